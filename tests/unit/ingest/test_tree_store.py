"""The Merkle tree as ingest stores it, through the real store on SQLite: what two ingest
workers appending in turn, a batch that never commits, and the head rules leave behind."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.db.engine import make_engine, migrate
from shared.db.ledger import Batch, LedgerStore, NewEntry
from shared.domain import merkle
from shared.domain.chain import GENESIS_HASH, entry_hash
from shared.domain.proofs import check_proof
from shared.domain.tree_head import entry_leaf_hash, head_problem
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey

from services.ingest.proving import ProofUnavailable, prove_consistency, prove_inclusion
from services.ingest.worker import HeadPolicy

AT = datetime(2025, 4, 2, 2, 30, tzinfo=timezone.utc)


class Chains:
    """Entries for a few agencies, each chained to the one before it."""

    def __init__(self) -> None:
        self.heads: dict[str, tuple[int, str]] = {}
        self.n = 0

    def entries(self, k: int) -> list[NewEntry]:
        out = []
        for _ in range(k):
            self.n += 1
            agency = f"agency-{self.n % 3}"
            pos, prev = self.heads.get(agency, (0, GENESIS_HASH))
            payload = f'{{"n":{self.n}}}'
            h = entry_hash(prev, agency, pos + 1, f"e{self.n}", payload, AT)
            out.append(NewEntry(agency, pos + 1, f"e{self.n}", "t", "measurement", AT.date(), None, payload, "d",
                                prev, h, AT))
            self.heads[agency] = (pos + 1, h)
        return out


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    migrate(url)
    e = make_engine(url)
    yield e
    e.dispose()


@pytest.fixture
def key(tmp_path):
    return OperatorKey.load_or_create(tmp_path / "keys" / "ledger.key.pem", LEDGER_KEY_NAME)


def _commit(store: LedgerStore, entries, issue=None):
    batch = Batch(group="test", entries=entries)
    store.commit_batch(batch, lambda *_: [], issue)
    return batch


def _leaf_hashes(store: LedgerStore) -> list[bytes]:
    return [entry_leaf_hash(leaf.hash) for leaf in store.leaves(10**9)]


def test_two_writers_in_turn_build_one_tree_in_commit_order(engine, key):
    first, second, chains = LedgerStore(engine), LedgerStore(engine), Chains()
    for writer, k in [(first, 5), (second, 3), (first, 8), (first, 1), (second, 13)]:
        _commit(writer, chains.entries(k))  # a writer's cached right edge is stale every other time
    leaves = _leaf_hashes(first)
    assert len(leaves) == 30 == first.tree.size()
    assert [e.leaf_index for e in first.entries()] == list(range(30))  # seq order is leaf order
    for n in range(1, 31):
        assert first.tree.root(n) == merkle.root_hash(leaves[:n])
    for i in (0, 7, 29):
        assert first.tree.inclusion_proof(i, 30) == merkle.inclusion_proof(i, leaves)
    assert second.tree.consistency_proof(13, 30) == merkle.consistency_proof(13, leaves)


def test_a_batch_that_does_not_commit_leaves_neither_leaves_nor_a_stale_edge(engine):
    store, chains = LedgerStore(engine), Chains()
    _commit(store, chains.entries(4))
    doomed = chains.entries(2)
    doomed[1].chain_pos = doomed[0].chain_pos if doomed[0].agency_id == doomed[1].agency_id else 1  # a clash
    with pytest.raises(Exception):
        _commit(store, doomed)
    assert store.tree.size() == 4
    chains.heads = {e.agency_id: (e.chain_pos, e.hash) for e in store.entries()}
    _commit(store, chains.entries(3))
    assert store.tree.root(7) == merkle.root_hash(_leaf_hashes(store))


def test_heads_are_issued_every_n_entries_and_prove_inclusion_and_consistency(engine, key):
    store, chains = LedgerStore(engine), Chains()
    policy = HeadPolicy(key, every_entries=10, every_seconds=3600)
    for k in (4, 4, 4, 9, 1, 12):
        _commit(store, chains.entries(k), policy.issue_if_due)
    sizes = sorted(h.tree_size for h in store.tree.heads())
    assert sizes == [12, 22, 34]  # each once ten or more entries were not under a head
    for head in store.tree.heads():
        assert head_problem(head, key.name, key.public_key) is None
        assert head.root_hash == merkle.root_hash(_leaf_hashes(store)[:head.tree_size])
    proof = prove_inclusion(store, "agency-2", "e5").to_json()
    assert proof["tree_size"] == 34 and check_proof(proof, key.name, key.public_key) == []
    assert check_proof(prove_consistency(store.tree, 12, 22).to_json(), key.name, key.public_key) == []
    with pytest.raises(ProofUnavailable, match="no tree head was issued at size 13"):
        prove_consistency(store.tree, 13)
    _commit(store, chains.entries(2), policy.issue_if_due)
    with pytest.raises(ProofUnavailable, match="not under it yet"):
        prove_inclusion(store, "agency-0", "e36")


def test_an_idle_head_covers_what_no_head_covers_and_is_issued_once(engine, key):
    store, chains = LedgerStore(engine), Chains()
    _commit(store, chains.entries(3))
    policy = HeadPolicy(key, every_entries=100, every_seconds=3600)
    announced = []
    head = store.record_head(policy.sign, lambda h: announced.append(h) or ("heads", b"k", b"v"))
    assert head is not None and head.tree_size == 3 and announced == [head]
    assert store.record_head(policy.sign, lambda h: ("heads", b"k", b"v")) is None  # nothing new
    assert [m[1] for m in store.pending_outbox()] == ["heads"]
