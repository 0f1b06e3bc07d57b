"""Property: for random ledgers, the projections the worker maintains incrementally (batch
by batch, two instances taking turns, redeliveries included) equal `scorer rebuild`, and
equal the as-of query at the final ledger position, on SQLite and on PostgreSQL."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from shared.db.engine import make_engine, migrate
from shared.db.schema import merkle_tree, metadata, scorer_state
from shared.kafka import Record

from services.ingest.worker import ledger_message
from services.scorer.replay import as_of, rebuild
from services.scorer.worker import ScorerWorker
from tests.integration.scorer_support import PROJECTOR, LedgerFeed, event_of
from tests.unit.scorer.streams import AGENCIES, EVALUATION_DAYS, build, ops

PARTITIONS = 3


class _Producer:
    """Stands in for the alerts producer: keeps what would be sent."""

    def __init__(self):
        self.sent = []

    def send(self, topic, key, value):
        self.sent.append((topic, key, value))

    def flush(self, timeout_s=60.0):
        """Nothing is buffered: `send` already recorded the message."""


def _clear(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name not in ("scorer_state", "merkle_tree"):
                conn.execute(delete(table))
        conn.execute(update(scorer_state).values(version=0, evaluated_on=None))
        conn.execute(update(merkle_tree).values(size=0))  # its one row numbers the leaves


def _arrivals(stored, topic, rnd: random.Random) -> list[list[Record]]:
    """Ledger messages as two scorer instances would consume them: per-partition order
    kept, partitions interleaved at random, a few redeliveries (outbox after a crash)."""
    queues = {p: [] for p in range(PARTITIONS)}
    for e in stored + rnd.sample(stored, k=min(4, len(stored))):
        p = AGENCIES.index(e.agency_id) % PARTITIONS
        queues[p].append(e)
    records = {p: [Record(topic, p, i, e.agency_id.encode(), ledger_message(e), 0) for i, e in enumerate(q)]
               for p, q in queues.items()}
    batches = []
    while any(records.values()):
        p = rnd.choice([p for p, q in records.items() if q])
        n = rnd.randint(1, 6)
        batches.append(records[p][:n])
        records[p] = records[p][n:]
    return batches


@hsettings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=ops, on=st.sampled_from(EVALUATION_DAYS), rnd=st.randoms(use_true_random=False))
def test_incremental_equals_rebuild_equals_as_of(settings, operations, on, rnd):
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        _clear(engine)
        feed = LedgerFeed(settings, engine)
        lg = build(operations)
        stored = feed.append([event_of(e) for e in lg.entries]) if lg.entries else []

        # Two instances of one group: one owns partition 0, the other partitions 1 and 2.
        workers = [ScorerWorker(settings, None, feed.store, PROJECTOR, today=lambda: on) for _ in range(2)]
        # These instances have no consumer to ask whether the topic has been read to its
        # end: the test says so, as the loop would (alerts only once everything is read).
        for w in workers:
            w._producer = _Producer()
            w.load()
            w._handle([], live=False)  # as on start, idle: evaluate today's projections
        for batch in _arrivals(stored, settings.topics.ledger, rnd):
            worker = workers[0 if batch[0].partition == 0 else 1]
            worker._handle(batch, live=False)
            # Right after its transaction an instance's view is exactly what is stored.
            assert worker._current.as_rows() == feed.store.projection_rows()
        for w in workers:
            w._handle([], live=True)  # nothing new, all read: today's projections stored, alerts raised
        incremental = feed.store.projection_rows()
        assert sum(w.stats.applied for w in workers) == len(stored)

        rebuild(feed.store, feed.ledger, PROJECTOR, on)
        assert feed.store.projection_rows() == incremental
        head = feed.ledger.head_seq()
        assert as_of(feed.ledger, PROJECTOR, on, head).as_rows() == incremental

        # Alerts: one per agency, target and threshold, however many instances evaluated.
        alerts = feed.store.alerts()
        assert len({(a["agency_id"], a["target_id"], a["threshold"]) for a in alerts}) == len(alerts)
        sent = [m for w in workers for m in w._producer.sent]
        assert len(sent) == len(alerts) - sum(1 for a in alerts if a["published_at"] is None)
    finally:
        engine.dispose()
