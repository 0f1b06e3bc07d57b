"""A worker started while its database is still coming up waits for it instead of
exiting (the workers run unattended: no operator restarts them)."""

from __future__ import annotations

from pathlib import Path

from shared.config import Settings
from shared.db import DatabaseUnavailable

from services.ingest.worker import IngestWorker


class _Broker:
    def ensure_topics(self, topics, partitions, configs=None):
        """The topics exist already."""

    def producer(self):
        return _Closable()

    def consumer(self, *args, **kwargs):
        return _Closable()


class _Closable:
    def close(self):
        """Nothing to release."""


class _Ledger:
    """A ledger whose database refuses the first two calls, as PostgreSQL does while it starts."""

    def __init__(self):
        self.calls = 0

    def unpublished_entries(self):
        self.calls += 1
        if self.calls <= 2:
            raise DatabaseUnavailable("SELECT 1", {}, OSError("connection refused"))
        return [], []

    def pending_outbox(self):
        return []


def test_ingest_waits_for_a_database_that_is_not_up_yet(monkeypatch):
    monkeypatch.setattr("shared.db.outage.time.sleep", lambda s: None)
    settings = Settings(database_url="sqlite://", kafka_bootstrap_servers="x:9092", topic_prefix="t",
                        data_dir=Path("."))
    ledger = _Ledger()
    worker = IngestWorker(settings, _Broker(), ledger, keys=None)
    worker.run(stop=lambda: ledger.calls >= 3)  # stops once the database has answered
    assert ledger.calls == 3
