"""The scorer worker: ledger topic → projections, effectively once.

Per batch, in one locked database transaction (see shared/db/projections.py): advance the
consumed offsets (optimistically, as ingest does), fold in what other scorer instances
applied since this one last wrote, record the new entries, write the projection rows that
changed and the deadline alerts that became due. Then publish the new alerts and stamp
them published. A crash anywhere leaves either nothing (the batch is consumed again from
the stored offsets; entries already recorded are recognised by seq) or alerts that the
next start publishes.

Projections are evaluated for "today" in Vietnam; when the day changes the worker
re-evaluates everything once, even without new entries (statuses and alerts depend on
the day)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from shared.clock import vietnam_today
from shared.config import Settings
from shared.db import DatabaseUnavailable
from shared.db.ledger import ConcurrentWrite, LedgerStore
from shared.db.outage import until_available
from shared.db.projections import ScorerStore
from shared.kafka import Broker, Consumer, Record
from shared.scoring.alerts import alerts_due
from shared.scoring.entries import Entry, entry_from_event
from shared.scoring.history import Fold
from shared.scoring.projector import Projector
from shared.scoring.rows import Projections, diff, row_dict

from services.scorer.replay import alert_row, entry_from_row, observation_row, projections_from_rows, publish_alerts

log = logging.getLogger("tiendo.scorer")


@dataclass
class ScorerStats:
    """Running totals, printed when the worker stops."""

    consumed: int = 0
    applied: int = 0
    duplicates: int = 0
    malformed: int = 0
    rejected: int = 0
    """Ledger messages that the ledger table does not hold (same seq, hash and event):
    forged or stale, never applied."""
    batches: int = 0
    retries: int = 0
    rows_written: int = 0
    alerts: int = 0
    full_evaluations: int = 0


class ScorerWorker:
    """One member of the scorer consumer group."""

    def __init__(self, settings: Settings, broker: Broker, store: ScorerStore, projector: Projector | None = None,
                 today: Callable[[], date] = vietnam_today, batch_size: int = 5000,
                 ledger: LedgerStore | None = None) -> None:
        self.settings = settings
        self.broker = broker
        self.store = store
        self._ledger = ledger
        self.projector = projector or Projector()
        self.today = today
        self.batch_size = batch_size
        self.group = settings.group("scorer")
        self.topics = settings.topics
        self.stats = ScorerStats()
        self.fold = Fold()
        self._version = 0
        self._current: Projections | None = None
        self._stale = True
        self._positions: dict[tuple[str, int], int | None] = {}
        self._consumer: Consumer | None = None
        self._producer = None
        self._stop = lambda: False

    # ---- state -------------------------------------------------------------------------
    def load(self) -> None:
        """Read the applied entries and the stored projections (on start, after a failure)."""
        snap = self.store.snapshot()
        fold = Fold()
        for row in snap.observations:
            fold.apply(entry_from_row(row))
        self.fold = fold
        self._version = snap.version
        self._current = projections_from_rows(snap.projections, snap.evaluated_on) if snap.evaluated_on else None
        self._stale = False

    # ---- rebalance callbacks ---------------------------------------------------------------
    def _on_assigned(self, parts):
        # Waits out a database outage: an error here would stop the consumer's poll.
        stored = until_available(lambda: self.store.tracked_offsets(self.group, parts), self._stop) or {}
        self._positions.update(stored)
        return stored

    def _on_revoked(self, parts):
        for p in parts:
            self._positions.pop(p, None)

    # ---- the loop ----------------------------------------------------------------------------
    def run(self, until_idle: bool = False, idle_grace_s: float = 3.0, stop=lambda: False) -> ScorerStats:
        """Consume until stopped (or, with `until_idle`, until caught up and evaluated for today)."""
        self._stop = stop
        self.broker.ensure_topics(self.topics.all(), self.settings.partitions, self.topics.configs())
        self._producer = self.broker.producer()
        # A database still starting (or restarting) is waited for, not a reason to exit.
        until_available(lambda: (self.load(), self.publish_alerts()), stop)
        self._consumer = self.broker.consumer(
            self.group, [self.topics.ledger], self._on_assigned, self._on_revoked, max_poll_records=self.batch_size,
        )
        idle_since = time.monotonic()
        try:
            while not stop():
                records = self._consumer.poll(max_records=self.batch_size, timeout_ms=200)
                if records:
                    self._handle(records)
                    idle_since = time.monotonic()
                    continue
                if self._current is None or self._current.on != self.today():
                    self._handle([])  # a new day: every status and alert is due again
                if until_idle and self._caught_up(idle_since, idle_grace_s):
                    break
        finally:
            self._consumer.close()
            self._producer.close()
        return self.stats

    def _caught_up(self, idle_since: float, grace: float) -> bool:
        idle = time.monotonic() - idle_since
        if self._consumer.assignment():
            return self._consumer.lag() == 0 and idle > 0.5
        # No partitions (yet): the group may still be forming, or other members own them
        # all. Done when the offsets stored for the whole group reach the end of the topic.
        if idle > grace:
            ends = self.broker.end_offsets(self.topics.ledger)
            stored = self.store.tracked_offsets(self.group, [(self.topics.ledger, p) for p in ends])
            # Never "idle for long enough" alone: on a loaded broker joining the group has
            # been seen to take over half a minute, and stopping then would score nothing.
            return bool(ends) and all((stored.get((self.topics.ledger, p)) or 0) >= end for p, end in ends.items())
        return False

    def _handle(self, records: list[Record]) -> None:
        try:
            if self._stale:
                self.load()
            self._commit(records)
        except ConcurrentWrite as exc:
            # Another member owns (or owned) these partitions: start again from what the
            # database says was consumed, with the state the database holds.
            log.warning("concurrent write, re-reading stored offsets: %s", exc)
            self.stats.retries += 1
            self._stale = True
            until_available(self._resume, self._stop)
        except DatabaseUnavailable as exc:
            # PostgreSQL restarting, SQLite locked past its timeout. The batch may or may
            # not have been committed: once the database answers again, reload what it
            # holds, go on from its offsets and publish the alerts it has not seen out.
            log.warning("database unavailable, waiting for it: %s", str(exc.orig).strip())
            self.stats.retries += 1
            self._stale = True
            until_available(lambda: (self._resume(), self.publish_alerts()), self._stop)
        except BaseException:
            self._stale = True  # the in-memory fold may be ahead of the database
            raise

    def _resume(self) -> None:
        """Reload the stored state and seek every assigned partition to its stored offset."""
        self.load()
        parts = self._consumer.assignment() if self._consumer else []
        stored = self.store.tracked_offsets(self.group, parts)
        self._positions.update(stored)
        for (topic, partition), offset in stored.items():
            self._consumer.seek(topic, partition, offset or 0)

    @property
    def ledger(self) -> LedgerStore:
        """The ledger table every consumed message is checked against."""
        if self._ledger is None:
            self._ledger = LedgerStore(self.store.engine)
        return self._ledger

    def _verified(self, records: list[Record]) -> list[Entry]:
        """The entries of `records` that the ledger table holds, built from the table.

        The ledger topic is only a notification: whoever may write to it (an admin, a
        stolen ingest credential) could otherwise change the figures. A message is applied
        only when the ledger row with its seq exists with the same hash and the same event,
        and what is applied is that row; anything else is skipped, logged and counted
        (`rejected`). One SELECT per batch."""
        claims: list[tuple[Record, int, str, object]] = []
        for r in records:
            try:
                msg = json.loads(r.value or b"")
                seq, claimed_hash, event = msg["seq"], msg["hash"], msg["event"]
                if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(claimed_hash, str):
                    raise TypeError("seq must be an integer and hash a string")
            except (ValueError, KeyError, TypeError) as exc:
                self.stats.malformed += 1
                log.warning("skipping %s[%s]@%s: not a ledger message: %r", r.topic, r.partition, r.offset, exc)
                continue
            claims.append((r, seq, claimed_hash, event))
        rows = self.ledger.recorded([seq for _, seq, _, _ in claims]) if claims else {}
        entries: list[Entry] = []
        for r, seq, claimed_hash, event in claims:
            row = rows.get(seq)
            problem = None
            if row is None:
                problem = f"the ledger has no entry seq={seq}"
            elif row.hash != claimed_hash:
                problem = f"entry seq={seq} has another hash in the ledger"
            else:
                try:
                    stored = json.loads(row.payload)
                    if stored != event:
                        problem = f"its event differs from entry seq={seq} in the ledger"
                    else:
                        entries.append(entry_from_event(seq, row.agency_id, row.chain_pos, stored))
                except ValueError as exc:  # MalformedEntry is a ValueError
                    self.stats.malformed += 1
                    log.warning("skipping ledger entry seq=%s: %s", seq, exc)
            if problem:
                self.stats.rejected += 1
                log.error("REJECTED ledger message %s[%s]@%s, not applied (forged or stale): %s",
                          r.topic, r.partition, r.offset, problem)
        return entries

    def _commit(self, records: list[Record]) -> None:
        today = self.today()
        offsets: dict[tuple[str, int], tuple[int | None, int]] = {}
        for r in records:
            part = (r.topic, r.partition)
            expected = offsets[part][0] if part in offsets else self._positions.get(part)
            offsets[part] = (expected, r.offset + 1)
        parsed = self._verified(records)
        new_alert_ids: list[int] = []
        self._stale = True
        with self.store.transaction() as tx:
            if offsets:
                tx.advance_offsets(self.group, offsets)
            base = self._current
            if tx.version != self._version + 1:
                # Another instance (or a rebuild) wrote since our last transaction.
                for row in tx.observations_since(self._version):
                    self.fold.apply(entry_from_row(row))
                stored_on = tx.evaluated_on()
                base = projections_from_rows(tx.projections(), stored_on) if stored_on else None
            new: list[Entry] = []
            changed: set[tuple[str, str]] = set()
            for e in parsed:
                if self.fold.apply(e):
                    new.append(e)
                    changed.add((e.agency_id, e.target_id))
            tx.insert_observations([observation_row(e) for e in new])
            if base is None or base.on != today:
                proj = self.projector.full(self.fold, today)
                self.stats.full_evaluations += 1
            else:
                proj = self.projector.update(self.fold, base, changed)
            change = diff(base, proj)
            tx.write({t: [row_dict(r) for r in rows] for t, rows in change.upserts.items()}, change.deletes)
            due = alerts_due(change.upserts["agency_target_values"], self.projector.world.targets_on(today))
            if due:
                existing = tx.alert_keys()
                fresh = {a.key: a for a in due if a.key not in existing}
                new_alert_ids = tx.insert_alerts([alert_row(a) for a in fresh.values()])
            if base is None or base.on != today:
                tx.set_evaluated_on(today)
            version = tx.version
        self._version = version
        self._current = proj
        self._stale = False
        for part, (_, nxt) in offsets.items():
            self._positions[part] = nxt
        self.stats.consumed += len(records)
        self.stats.applied += len(new)
        self.stats.duplicates += len(parsed) - len(new)
        self.stats.batches += 1
        self.stats.rows_written += sum(len(v) for v in change.upserts.values())
        self.stats.alerts += len(new_alert_ids)
        if new_alert_ids:
            self.publish_alerts(new_alert_ids)
        if offsets and self._consumer is not None:
            self._consumer.mirror_commit({p: n for p, (_, n) in offsets.items()})

    def publish_alerts(self, ids: list[int] | None = None) -> int:
        """Publish committed alerts not yet on the alerts topic (these ids, or all)."""
        return publish_alerts(self.store, self._producer, self.topics.alerts, self.projector.world, ids)
