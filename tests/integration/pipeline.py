"""Small helpers the integration tests share: wiring a pipeline against real parts."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

from kafka import KafkaAdminClient

from shared.config import Settings
from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyStore
from shared.db.ledger import LedgerStore
from shared.domain import merkle
from shared.domain.tree_head import entry_leaf_hash, head_problem
from shared.kafka import Broker
from shared.kafka.client import security_config
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, SigningKey

from services.ingest.worker import HeadPolicy, IngestWorker
from services.simulate.keys import KEYS_VALID_FROM

TODAY = date(2026, 1, 15)


class Pipeline:
    """The ingest side of one test's pipeline."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        migrate(settings.database_url)
        self.engine = make_engine(settings.database_url)
        self.broker = Broker.from_settings(settings)
        self.broker.ensure_topics(settings.topics.all(), settings.partitions, settings.topics.configs())
        self.ledger = LedgerStore(self.engine)
        self.keys = KeyStore(self.engine)
        self.ledger_key = OperatorKey.load_or_create(settings.ledger_key_path, LEDGER_KEY_NAME)
        self._signing_keys: dict[str, SigningKey] = {}

    def issue_key(self, agency_id: str) -> SigningKey:
        """The agency's key pair, its public key registered where ingest looks (made on
        first use: the registry refuses a second active key of one agency)."""
        if agency_id not in self._signing_keys:
            key = SigningKey.generate(agency_id)
            self.keys.register(key.key_id, agency_id, key.public_key, "test", valid_from=KEYS_VALID_FROM)
            self._signing_keys[agency_id] = key
        return self._signing_keys[agency_id]

    def publish(self, messages: list[tuple[str | bytes | None, bytes]]) -> None:
        """Send (key, value) pairs to the raw topic with kafka-python and wait for acks."""
        producer = self.broker.producer()
        for key, value in messages:
            producer.send(self.settings.topics.progress, key, value)
        producer.close()

    def ingest(self, replay_clock: bool = True, **kw) -> IngestWorker:
        """Run one ingest worker until it has caught up. The tests' events are 2025's, sent
        today: by default each is recorded at its own reported_at (`--replay-clock`), so the
        periods they count in and their keys' validity are 2025's. It signs tree heads
        with the test's ledger key (every 1,000 entries, and once caught up)."""
        kw.setdefault("heads", HeadPolicy(self.ledger_key, every_entries=1000))
        worker = IngestWorker(self.settings, self.broker, self.ledger, self.keys, today=lambda: TODAY,
                              replay_clock=replay_clock, **kw)
        worker.run(until_idle=True)
        return worker

    def dispose(self) -> None:
        """Close the database connections."""
        self.engine.dispose()


def assert_tree_sound(p: Pipeline) -> None:
    """The Merkle tree after a run (crashes, several workers): leaves 0..n-1, dense, in
    seq order; the stored root is the root of the entries' hashes; every issued head is
    signed by the ledger key and is a prefix of the final tree (its root that of the
    first leaves, and the stored tree's consistency proof from it to the whole holds)."""
    entries = list(p.ledger.entries())
    n = len(entries)
    assert [e.leaf_index for e in entries] == list(range(n)), "the leaves are not 0..n-1 in seq order"
    assert p.ledger.tree.size() == n
    heads = sorted(p.ledger.tree.heads(), key=lambda h: h.tree_size)
    assert heads and heads[-1].tree_size <= n, "no tree head was issued, or one beyond the tree"
    roots, size, frontier = {}, 0, []
    for h in heads + [None]:
        upto = n if h is None else h.tree_size
        _, frontier = merkle.append_leaves(size, frontier, [entry_leaf_hash(e.hash) for e in entries[size:upto]])
        size, roots[upto] = upto, merkle.fold_nodes(frontier)
    assert p.ledger.tree.root(n) == roots[n], "the stored root is not the root of the entries' hashes"
    for h in heads:
        assert head_problem(h, p.ledger_key.name, p.ledger_key.public_key) is None
        assert h.root_hash == roots[h.tree_size], f"the head of {h.tree_size} leaves is not the tree's prefix"
        assert h.tree_size == n or merkle.verify_consistency(
            h.tree_size, h.root_hash, n, roots[n], p.ledger.tree.consistency_proof(h.tree_size, n))


def start_worker(env: dict, *args: str) -> subprocess.Popen:
    """`tiendo <args>` as a separate process (so it can be killed with SIGKILL)."""
    return subprocess.Popen([sys.executable, "-m", "services", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def members_with_partitions(settings: Settings, service: str) -> int:
    """How many members of ``service``'s consumer group hold partitions now (as the
    broker's group coordinator describes the group)."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers,
                             **security_config(settings.kafka_credentials))
    try:
        group = settings.group(service)
        members = admin.describe_groups([group])[group]["members"]
    finally:
        admin.close()
    return sum(bool(m["member_assignment"] and m["member_assignment"]["assigned_partitions"]) for m in members)


def wait_for(predicate, timeout_s: float, what: str) -> None:
    """Poll `predicate` until it holds; fail naming `what` after `timeout_s`, which is a
    safety bound (a test waits for a condition, never for a time)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        time.sleep(0.5)
