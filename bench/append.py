"""`python -m bench.append --n 100000 [--backend sqlite|postgresql]`: ingest's own work
per event, outside Kafka (issue 15, point 4): the simulator's records admitted, chained
and committed in batches of 5,000 on a fresh database, as the ingest worker does, with
the CPU time of this process (time.process_time; on PostgreSQL the client's only) split
into

- admission: `decide` (parse, registry, de-duplication and amendment rules against the
  ledger) with the Ed25519 verification left out (its own figure, ``signature_us``);
- storage: chain + commit: entry hashes, the batch's transaction (entries, Merkle tree,
  dead letters, offsets, what stays to be published) and the confirmation once published;
- messages: building the ledger-topic messages and receipts that are published.

Each figure is µs per record (duplicates and bad messages included, as the issue counts).
`append_figures` returns the same figures as a dict for bench/run.py.

    python -m bench.append --n 100000 --backend postgresql
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Iterator
from unittest import mock

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from shared.config import PROJECT_ROOT, Settings
from shared.db.engine import drop_database, make_engine, migrate
from shared.db.keys import KeyStore
from shared.db.ledger import Batch, ChainHead, LedgerStore, NewDeadLetter
from shared.db.schema import ledger_entries
from shared.domain.chain import recorded_text
from shared.domain.signing import signature_matches
from shared.kafka import Record

from services.ingest.admission import decide
from services.ingest.worker import IngestWorker, dead_letter_key, dead_letter_message, ledger_message, receipt_message

from bench.events import Dataset, cache_prefix, dataset, load, register_keys

GOALS_US = dict(admission_us=25.0, storage_us_sqlite=25.0, storage_us_postgresql=50.0)
BATCH = 5000
TODAY = date(2026, 1, 15)
"""After the simulated year (2025), so no event is in the future."""
CACHE = PROJECT_ROOT / "data" / "bench" / "cache"


def records_of(n: int, cache_dir: Path = CACHE) -> Dataset:
    """``n`` simulator messages: the first ``n`` of any cached dataset that has as many (a
    run of `make bench` leaves one), else generated and cached like bench/run.py's."""
    for path in sorted(cache_dir.glob(f"{cache_prefix()}*.bin"), key=lambda p: int(p.stem.rsplit("-", 1)[1])):
        if int(path.stem.rsplit("-", 1)[1]) >= n:
            return load(path).head(n)
    return dataset(n, cache_dir)


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, migrated database's URL; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'append.db'}"
        migrate(url)
        yield url
        return
    from bench.pipeline import pg_admin_url
    admin = pg_admin_url()
    name = f"bench_append_{uuid.uuid4().hex[:8]}"
    with create_engine(admin, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        migrate(url)
        yield url
    finally:
        drop_database(admin, name)


def append_figures(n: int = 100_000, backend: str = "sqlite", data: Dataset | None = None) -> dict[str, Any]:
    """Admit, chain and commit ``n`` records on a fresh ``backend`` database; CPU µs per
    record of each step (keys: n, backend, entries, dead_letters, duplicates,
    admission_us, signature_us, storage_us, messages_us, wall_s, ledger_digest)."""
    data = data if data is not None else records_of(n)
    workdir = Path(tempfile.mkdtemp(prefix="bench-append-"))
    try:
        with _database(backend, workdir) as url:
            engine = make_engine(url)
            try:
                return _run(engine, url, data, backend)
            finally:
                engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(engine, url: str, data: Dataset, backend: str) -> dict[str, Any]:
    register_keys(KeyStore(engine))
    keys = KeyStore(engine).all()
    ledger = LedgerStore(engine)
    settings = Settings(database_url=url, kafka_bootstrap_servers="unused:9092", topic_prefix="bench",
                        data_dir=Path(tempfile.gettempdir()))
    worker = IngestWorker(settings, broker=None, ledger=ledger, keys=None)
    topics = settings.topics
    records = [Record(topics.progress, 0, i, key.encode() if key is not None else None, value, 0)
               for i, (key, value) in enumerate(data.messages)]
    cpu = dict(admission=0.0, signature=0.0, storage=0.0, messages=0.0)
    counts = dict(entries=0, dead_letters=0, duplicates=0)
    expected = None
    wall = time.perf_counter()
    for lo in range(0, len(records), BATCH):
        chunk = records[lo:lo + BATCH]
        started = time.process_time()
        with _without_signatures():
            decisions = decide(chunk, keys, lambda ev: ev.reported_at, TODAY, ledger.known_events, ledger.retracted)
        cpu["admission"] += time.process_time() - started

        started = time.process_time()
        for a in decisions.accepted:
            signature_matches(a.event.canonical, keys[a.event.key_id].public_key, a.event.signature)
        cpu["signature"] += time.process_time() - started

        started = time.process_time()
        batch = Batch(group="bench-append", offsets={(topics.progress, 0): (expected, chunk[-1].offset + 1)})
        batch.entries = worker._chain(decisions)
        batch.dead_letters = [
            NewDeadLetter(r.code.value, r.message, r.record.value or b"", r.record.key, r.record.topic,
                          r.record.partition, r.record.offset, r.agency_id, r.event_id)
            for r in decisions.rejected
        ]
        stored = ledger.commit_batch(
            batch, lambda stored, dead, head, now: [(topics.dead_letters, dead_letter_key(d), dead_letter_message(d, now))
                                                    for d in dead])
        for e in stored:  # as the worker keeps its chains' heads between batches
            worker._heads[e.agency_id] = ChainHead(e.chain_pos, e.hash)
        cpu["storage"] += time.process_time() - started

        started = time.process_time()
        for e in stored:
            ledger_message(e), receipt_message(e)
        cpu["messages"] += time.process_time() - started

        started = time.process_time()
        ledger.clear_outbox(batch.outbox_ids, batch.unpublished)  # what the worker does once the broker has them
        cpu["storage"] += time.process_time() - started
        expected = chunk[-1].offset + 1
        counts["entries"] += len(stored)
        counts["dead_letters"] += len(decisions.rejected)
        counts["duplicates"] += decisions.duplicates
    wall = time.perf_counter() - wall
    n = len(records)
    counts["ledger_digest"] = ledger_digest(ledger)
    out: dict[str, Any] = dict(n=n, backend=backend, **counts)
    out.update({f"{k}_us": round(v / n * 1e6, 2) for k, v in cpu.items()})
    out["wall_s"] = round(wall, 2)
    return out


def ledger_digest(ledger: LedgerStore) -> str:
    """SHA-256 over every entry as stored (each column, the recorded time as it is hashed)
    in seq order and the Merkle root: equal on both databases, and before and after a
    change of how rows are written."""
    digest = hashlib.sha256()
    le = ledger_entries
    with ledger.engine.connect() as conn:
        for row in conn.execute(select(le).order_by(le.c.seq)):
            fields = row._asdict()
            fields.update(observed_at=fields["observed_at"].isoformat(), recorded_at=recorded_text(fields["recorded_at"]))
            digest.update(repr(sorted(fields.items())).encode("utf-8"))
    size = ledger.tree.size()
    digest.update(ledger.tree.root(size) if size else b"")
    return digest.hexdigest()


@contextmanager
def _without_signatures():
    """Admission without the Ed25519 verification, which has a figure of its own."""
    with mock.patch("services.ingest.admission.signature_matches", lambda *args: True):
        yield


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="Records to admit and append (default 100,000).")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    figures = append_figures(args.n, args.backend)
    goal = GOALS_US[f"storage_us_{args.backend}"]
    print(json.dumps(figures))
    print(f"append[{args.backend}]: admission {figures['admission_us']:.1f} µs (goal ≤ {GOALS_US['admission_us']:.0f}), "
          f"storage {figures['storage_us']:.1f} µs (goal ≤ {goal:.0f}), signature {figures['signature_us']:.1f} µs, "
          f"messages {figures['messages_us']:.1f} µs an event; {figures['entries']:,} entries of {figures['n']:,}")


if __name__ == "__main__":
    main()
