"""Helpers for the scorer's integration tests: a hand-written ledger (real ledger rows and
real ledger-topic messages, as ingest writes them) and scorer workers on it."""

from __future__ import annotations

import json
from datetime import date

from shared.config import Settings
from shared.db.engine import make_engine, migrate
from shared.db.ledger import Batch, LedgerStore, NewEntry, StoredEntry
from shared.db.projections import ScorerStore
from shared.domain.chain import GENESIS_HASH, content_digest, entry_hash
from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.kafka import Broker
from shared.scoring.entries import Entry
from shared.scoring.figures import figure_to_json
from shared.scoring.projector import Projector

from services.ingest.worker import ledger_message
from services.scorer.worker import ScorerWorker
from tests.factories import event_dict

PROJECTOR = Projector()


def event_of(e: Entry) -> dict:
    """The contract event a scorer Entry stands for."""
    figure = json.loads(figure_to_json(e.figure)) if e.figure is not None else None
    return event_dict(e.agency_id, e.target_id, kind=e.kind, observed_at=e.observed_at.isoformat(),
                      figure=figure, amends=e.amends, event_id=e.event_id)


class LedgerFeed:
    """Appends events to the ledger table (hash-chained, as ingest does) and publishes
    them to the ledger topic in the ledger-message format."""

    def __init__(self, settings: Settings, engine=None) -> None:
        self.settings = settings
        migrate(settings.database_url)
        self.engine = engine or make_engine(settings.database_url)
        self.ledger = LedgerStore(self.engine)
        self.store = ScorerStore(self.engine)
        self._broker: Broker | None = None

    @property
    def broker(self) -> Broker:
        if self._broker is None:
            self._broker = Broker.from_settings(self.settings)
            self._broker.ensure_topics(self.settings.topics.all(), self.settings.partitions, self.settings.topics.configs())
        return self._broker

    def append(self, events: list[dict]) -> list[StoredEntry]:
        """Record events in the ledger table, in order; returns the stored entries."""
        heads = {a: (h.chain_pos, h.hash) for a, h in self.ledger.chain_heads({e["agency_id"] for e in events}).items()}
        batch = Batch(group="test-hand-written-ledger")
        for d in events:
            ev = parse_event(json.dumps(d), today=date.max)
            payload = to_json_bytes(ev).decode("utf-8")
            pos, prev = heads.get(ev.agency_id, (0, GENESIS_HASH))
            h = entry_hash(prev, ev.agency_id, pos + 1, ev.event_id, payload, ev.reported_at)
            batch.entries.append(NewEntry(ev.agency_id, pos + 1, ev.event_id, ev.target_id, ev.kind.value,
                                          ev.observed_at, ev.amends, payload, content_digest(canonical_bytes(ev)),
                                          prev, h, ev.reported_at))
            heads[ev.agency_id] = (pos + 1, h)
        return self.ledger.commit_batch(batch, lambda *_: [])

    def publish(self, stored: list[StoredEntry]) -> None:
        """Send entries to the ledger topic (key: agency id) and wait for the acks."""
        producer = self.broker.producer()
        for e in stored:
            producer.send(self.settings.topics.ledger, e.agency_id, ledger_message(e))
        producer.close()

    def feed(self, events: list[dict]) -> list[StoredEntry]:
        stored = self.append(events)
        self.publish(stored)
        return stored

    def score(self, today: date, **kw) -> ScorerWorker:
        """One scorer worker, run until it has caught up."""
        worker = ScorerWorker(self.settings, self.broker, self.store, PROJECTOR, today=lambda: today, **kw)
        worker.run(until_idle=True)
        return worker

    def national(self, target_id: str) -> dict:
        return {r["target_id"]: r for r in self.store.national()}[target_id]

    def cell(self, agency_id: str, target_id: str) -> dict:
        return self.store.cells(agency_id, target_id)[0]

    def dispose(self) -> None:
        self.engine.dispose()
