"""The scorer worker: ledger topic → projections and snapshots, effectively once.

Per batch (:meth:`ScorerWorker.step`), in one locked database transaction (see
shared/db/projections.py): advance the consumed offsets (optimistically, as ingest does),
fold in what other scorer instances applied since this one last wrote, record the new
entries, write today's projection rows that changed and the deadline alerts that became
due, bring touched snapshots up to date when asked, and record which snapshots reflect
every entry applied. Then publish the new alerts and stamp them published. A crash
anywhere leaves either nothing (the batch is consumed again from the stored offsets;
entries already recorded are recognised by seq) or alerts that the next start publishes.
The loop (:meth:`ScorerWorker.run`) only polls, hands batches to the step and decides when
snapshots are refreshed: all of them when the consumer is idle, one day every
``snapshot_every_s`` seconds under a steady stream.

Projections are evaluated for "today" in Vietnam; when the day changes the worker
re-evaluates everything once, even without new entries (statuses and alerts depend on
the day). The worker keeps a flat digest of the ledger (shared/scoring/digest.py), not
its entries: what a correction or a late entry needs is replayed from the database."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

import orjson

from shared.clock import vietnam_today
from shared.config import Settings
from shared.db import DatabaseUnavailable
from shared.db.ledger import ConcurrentWrite, LedgerStore
from shared.db.outage import until_available
from shared.db.projections import ScorerStore
from shared.kafka import Broker, BrokerUnavailable, Consumer, Record
from shared.offsets import in_sequence
from shared.scoring.alerts import alerts_due
from shared.scoring.digest import Digest, History, Key
from shared.scoring.entries import Entry, NotScored, entry_from_event
from shared.scoring.projector import Projector
from shared.scoring.rows import Change, Projections, diff, projections_from_rows, row_dict
from shared.scoring.snapshots import Snapshots, snapshot_days

from services.scorer.replay import alert_row, entry_from_row, observation_row, publish_alerts

log = logging.getLogger("tiendo.scorer")


@dataclass
class ScorerStats:
    """Running totals, printed when the worker stops."""

    consumed: int = 0
    applied: int = 0
    skipped: int = 0
    """New ledger entries that hold no figure (explanations, unreadable entries): recorded
    as seen, so that applied + skipped is every entry of the ledger read."""
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
    snapshot_refreshes: int = 0
    replayed_keys: int = 0
    """Agency × target keys replayed whole from the observations (an entry out of order)."""
    amended_keys: int = 0
    """Keys whose amended days were replayed (a correction or retraction)."""


@dataclass(frozen=True)
class Verified:
    """What a batch of ledger messages holds, checked against the ledger table."""

    entries: list[Entry]
    unreadable: list[int]
    """Seqs of entries the ledger holds but the scorer cannot read (counted as applied)."""


def _write(tx_write, change: Change) -> int:
    tx_write({t: [row_dict(r) for r in rows] for t, rows in change.upserts.items()}, change.deletes)
    return sum(len(v) for v in change.upserts.values())


class _History:
    """The scorer's observations, read inside its transaction, as the digest asks for them."""

    def __init__(self, tx, stats: ScorerStats) -> None:
        self.tx = tx
        self.stats = stats

    def entries_of(self, keys: set[Key]) -> dict[Key, list[Entry]]:
        self.stats.replayed_keys += len(keys)
        return {k: [entry_from_row(r) for r in rows] for k, rows in self.tx.observations_of(keys).items()}

    def amended_days_of(self, keys: set[Key]) -> dict[Key, list[Entry]]:
        self.stats.amended_keys += len(keys)
        return {k: [entry_from_row(r) for r in rows] for k, rows in self.tx.amended_days_of(keys).items()}


class ScorerWorker:
    """One member of the scorer consumer group."""

    def __init__(self, settings: Settings, broker: Broker, store: ScorerStore, projector: Projector | None = None,
                 today: Callable[[], date] = vietnam_today, batch_size: int = 5000,
                 ledger: LedgerStore | None = None, snapshot_every_s: float = 2.0) -> None:
        self.settings = settings
        self.broker = broker
        self.store = store
        self._ledger = ledger
        self.projector = projector or Projector()
        self.today = today
        self.batch_size = batch_size
        self.snapshot_every_s = snapshot_every_s
        self.group = settings.group("scorer")
        self.topics = settings.topics
        self.stats = ScorerStats()
        self.digest = Digest([], today(), self.projector.retention(today()))
        self.snapshots = Snapshots(self.projector, self.digest)
        self._unwritten: set[date] = set()  # snapshot days evaluated afresh, not stored yet
        self._version = 0
        self._current: Projections | None = None
        self._stale = True
        self._refreshed_at = time.monotonic()
        self._positions: dict[tuple[str, int], int | None] = {}
        self._sought_back: dict[tuple[str, int], int] = {}
        self._consumer: Consumer | None = None
        self._producer = None
        self._stop = lambda: False
        # Deadline alerts are raised only from a state that has every ledger message the
        # topic held: one raised halfway through a backlog (or before the group's first
        # assignment) could warn an agency whose figure is still on its way, and an alert
        # is never taken back. Owed until the worker has read the topic to its end.
        self._alerts_owed = True

    # ---- state -------------------------------------------------------------------------
    def load(self) -> None:
        """Read the applied entries into a fresh digest, and the stored projections and
        snapshots (on start, after a failure). One agency × target at a time: the entries
        are streamed, never held."""
        snap = self.store.snapshot()
        today = self.today()
        days = snapshot_days(today, self.projector)
        digest = Digest(days, today, self.projector.retention(today))
        for key, rows in groupby(snap.observations, key=lambda r: (r["agency_id"], r["target_id"])):
            digest.load(key, [entry_from_row(r) for r in rows])
        for seq in snap.skipped:
            digest.skip(seq)
        self.digest = digest
        self.snapshots = Snapshots(self.projector, digest)
        stored = {d: projections_from_rows(rows, d) for d, rows in snap.snapshots.items()
                  if snap.snapshot_versions.get(d) == snap.version}
        self._unwritten = self.snapshots.set_days(days, stored)
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
        """Consume until stopped (or, with `until_idle`, until caught up, evaluated for
        today and every snapshot up to date)."""
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
            alerts_pending = False
            while not stop():
                try:
                    if alerts_pending:
                        self.publish_alerts()
                        alerts_pending = False
                    records = self._gather()
                    if records:
                        # Under a steady stream one touched snapshot a round, so that no batch
                        # waits for every day's re-evaluation at once.
                        due = time.monotonic() - self._refreshed_at >= self.snapshot_every_s
                        self._handle(records, refresh_days=1 if due else 0)
                        idle_since = time.monotonic()
                        continue
                    if self._current is None or self._current.on != self.today() or self.behind:
                        self._handle([], refresh_days=None)  # a new day, or snapshots to bring up to date
                    elif self._alerts_owed and self._drained():
                        self._handle([], live=True)  # read to the end at last: the alerts withheld
                    if until_idle and not self.behind and self._caught_up(idle_since, idle_grace_s):
                        break
                except BrokerUnavailable as exc:
                    if type(exc) is not BrokerUnavailable:
                        raise  # refused, not away: exit; the next start publishes the alerts
                    # The broker away for longer than publishing the alerts waits (stopped,
                    # or slow to restart on a loaded machine): the batch is committed, its
                    # alerts stored unpublished. Ridden out, like the database's outages.
                    log.warning("%s; waiting for the broker", exc)
                    alerts_pending = True
        finally:
            self._consumer.close()
            self._producer.close()
        return self.stats

    def _gather(self) -> list[Record]:
        """One poll, topped up with what the client already holds, up to ``batch_size``:
        a poll returns what one fetch brought (a few thousand messages), and a batch's
        evaluation costs about the same for a few thousand entries as for more (it
        touches most agency × target keys either way)."""
        records = self._consumer.poll(max_records=self.batch_size, timeout_ms=200)
        while records and len(records) < self.batch_size:
            more = self._consumer.poll(max_records=self.batch_size - len(records), timeout_ms=0)
            if not more:
                break
            records += more
        return records

    @property
    def behind(self) -> bool:
        """Whether some snapshot waits for entries already applied."""
        return bool(self.snapshots.dirty or self._unwritten)

    def _caught_up(self, idle_since: float, grace: float) -> bool:
        idle = time.monotonic() - idle_since
        # No partitions (yet): the group may still be forming, or other members own them
        # all; then the grace first. Never "idle for long enough" alone: on a loaded broker
        # joining the group has been seen to take over half a minute, and stopping then
        # would score nothing.
        return idle > (0.5 if self._consumer.assignment() else grace) and self._drained()

    def _drained(self) -> bool:
        """Whether the group has read every ledger message the topic holds now: this
        member's partitions by its positions, the others' by the offsets the database
        stores for the group."""
        mine = set(self._consumer.assignment())
        if mine and self._consumer.lag():
            return False
        ends = self.broker.end_offsets(self.topics.ledger)
        others = [(self.topics.ledger, p) for p in ends if (self.topics.ledger, p) not in mine]
        stored = self.store.tracked_offsets(self.group, others) if others else {}
        return bool(ends) and all((stored.get(k) or 0) >= ends[k[1]] for k in others)

    def _handle(self, records: list[Record], refresh_days: int | None = 0, live: bool | None = None) -> None:
        try:
            if self._stale:
                self.load()
            self.step(self._in_sequence(records), refresh_days, self._drained() if live is None else live)
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
            self._stale = True  # the in-memory state may be ahead of the database
            raise

    def _in_sequence(self, records: list[Record]) -> list[Record]:
        """The records that go on from each partition's stored offset (shared/offsets.py:
        the stored offsets win over the consumer's position: none is skipped, none applied
        twice); redelivered ones counted as duplicates."""
        if not records or self._consumer is None:
            return records
        kept, redelivered = in_sequence(records, self._positions, self._sought_back,
                                        lambda parts: self.store.tracked_offsets(self.group, parts),
                                        self._consumer.seek)
        self.stats.duplicates += redelivered
        self.stats.consumed += redelivered
        return kept

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

    def verified(self, records: list[Record]) -> Verified:
        """The entries of `records` that the ledger table holds, built from the table.

        The ledger topic is only a notification: whoever may write to it (an admin, a
        stolen ingest credential) could otherwise change the figures. A message is applied
        only when the ledger row with its seq exists with the same hash and embeds the row's
        payload byte for byte; anything else is skipped, logged and counted (`rejected`).
        One SELECT per batch."""
        claims: list[tuple[Record, int, str, dict]] = []
        for r in records:
            try:
                msg = orjson.loads(r.value or b"")
                seq, claimed_hash, event = msg["seq"], msg["hash"], msg["event"]
                if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(claimed_hash, str):
                    raise TypeError("seq must be an integer and hash a string")
            except (ValueError, KeyError, TypeError) as exc:  # orjson's JSONDecodeError is a ValueError
                self.stats.malformed += 1
                log.warning("skipping %s[%s]@%s: not a ledger message: %r", r.topic, r.partition, r.offset, exc)
                continue
            claims.append((r, seq, claimed_hash, event))
        rows = self.ledger.recorded([seq for _, seq, _, _ in claims]) if claims else {}
        entries: list[Entry] = []
        unreadable: list[int] = []
        for r, seq, claimed_hash, event in claims:
            row = rows.get(seq)
            problem = None
            if row is None:
                problem = f"the ledger has no entry seq={seq}"
            elif row.hash != claimed_hash:
                problem = f"entry seq={seq} has another hash in the ledger"
            elif not r.value.endswith(b'"event":' + row.payload.encode("utf-8") + b"}"):
                # Ingest embeds the recorded payload as it is (services/ingest/worker.py
                # ledger_message): the same bytes, or the message is not the ledger's.
                problem = f"its event differs from entry seq={seq} in the ledger"
            else:
                try:
                    entries.append(entry_from_event(seq, row.agency_id, row.chain_pos, event))
                except NotScored:  # an explanation: applied, holds no figure
                    unreadable.append(seq)
                except ValueError as exc:  # MalformedEntry is a ValueError
                    self.stats.malformed += 1
                    unreadable.append(seq)
                    log.warning("skipping ledger entry seq=%s: %s", seq, exc)
            if problem:
                self.stats.rejected += 1
                log.error("REJECTED ledger message %s[%s]@%s, not applied (forged or stale): %s",
                          r.topic, r.partition, r.offset, problem)
        return Verified(entries, unreadable)

    # ---- the batch step ----------------------------------------------------------------------
    def step(self, records: list[Record], refresh_days: int | None = 0, live: bool = True) -> None:
        """Apply one batch of ledger messages (possibly none) in one transaction, then
        publish the alerts it raised. The ``refresh_days`` oldest touched snapshots (None:
        all of them) are brought up to date in the same transaction. ``live``: nothing
        is left to read after this batch, so deadline alerts are raised (those withheld
        while it was behind included); otherwise they are withheld."""
        today = self.today()
        offsets: dict[tuple[str, int], tuple[int | None, int]] = {}
        for r in records:
            part = (r.topic, r.partition)
            expected = offsets[part][0] if part in offsets else self._positions.get(part)
            offsets[part] = (expected, r.offset + 1)
        batch = self.verified(records)
        new_alert_ids: list[int] = []
        rows_written = 0
        self._stale = True
        with self.store.transaction() as tx:
            if offsets:
                tx.advance_offsets(self.group, offsets)

            history = _History(tx, self.stats)
            base = self._current
            if tx.version != self._version + 1:
                base = self._catch_up(tx, history)
            applied = self.digest.applied
            new: list[Entry] = []
            seen: set[int] = set()
            for e in batch.entries:
                if e.seq not in applied and e.seq not in seen:
                    seen.add(e.seq)
                    new.append(e)
            tx.insert_observations([observation_row(e) for e in new])
            skipped = [s for s in batch.unreadable if self.digest.skip(s)]
            tx.insert_skipped(skipped)
            changed = self.digest.apply(new, history)
            if base is None or base.on != today:
                self._new_day(tx, today)
                proj = self.projector.full(self.digest, today)
                self.stats.full_evaluations += 1
            else:
                proj = self.projector.update(self.digest, base, set(changed))
            change = diff(base, proj)
            rows_written += _write(tx.write, change)
            due = []
            if live:
                cells = proj.cells.values() if self._alerts_owed else change.upserts["agency_target_values"]
                due = alerts_due(cells, self.projector.world.targets_on(today))
            if due:
                existing = tx.alert_keys()
                fresh = {a.key: a for a in due if a.key not in existing}
                new_alert_ids = tx.insert_alerts([alert_row(a) for a in fresh.values()])
            if base is None or base.on != today:
                tx.set_evaluated_on(today)
            self.snapshots.touch(changed)
            if refresh_days != 0:
                for day, day_change in self.snapshots.refresh(refresh_days).items():
                    if day not in self._unwritten:
                        rows_written += _write(lambda up, de, d=day: tx.snapshots.write(d, up, de), day_change)
                self.stats.snapshot_refreshes += 1
            for day in sorted(self._unwritten):
                rows_written += tx.snapshots.replace(day, self.snapshots.days[day].as_rows())
            dirty = set(self.snapshots.dirty)
            tx.snapshots.mark([d for d in self.snapshots.days if d not in dirty], dirty, tx.version)
            tx.set_position(applied.count, applied.highest)
            version = tx.version
        self._version = version
        self._current = proj
        self._alerts_owed = not live
        self._unwritten = set()
        if refresh_days != 0:
            self._refreshed_at = time.monotonic()
        self._stale = False
        for part, (_, nxt) in offsets.items():
            self._positions[part] = nxt
        self.stats.consumed += len(records)
        self.stats.applied += len(new)
        self.stats.skipped += len(skipped)
        self.stats.duplicates += len(batch.entries) - len(new)
        self.stats.batches += 1
        self.stats.rows_written += rows_written
        self.stats.alerts += len(new_alert_ids)
        if new_alert_ids:
            self.publish_alerts(new_alert_ids)
        if offsets and self._consumer is not None:
            self._consumer.mirror_commit({p: n for p, (_, n) in offsets.items()})

    def _catch_up(self, tx, history: History) -> Projections | None:
        """Another instance (or a rebuild) wrote since our last transaction: take in the
        entries it applied and the projections and snapshots it stored."""
        rows = tx.observations_since(self._version)
        self.digest.apply([entry_from_row(r) for r in rows], history)
        stored = tx.snapshot_rows()
        versions = tx.snapshots.versions()
        current = {d: projections_from_rows(r, d) for d, r in stored.items() if versions.get(d) == tx.version - 1}
        self.snapshots = Snapshots(self.projector, self.digest)
        self._unwritten = self.snapshots.set_days(snapshot_days(self.digest.today, self.projector), current)
        stored_on = tx.evaluated_on()
        return projections_from_rows(tx.projections(), stored_on) if stored_on else None

    def _new_day(self, tx, today: date) -> None:
        """Keep what the new day needs: its snapshot days (a month that just ended joins)."""
        days = snapshot_days(today, self.projector)
        self.digest.retarget(days, today)
        self._unwritten.update(self.snapshots.set_days(days))
        tx.snapshots.keep_days(days)

    def publish_alerts(self, ids: list[int] | None = None) -> int:
        """Publish committed alerts not yet on the alerts topic (these ids, or all)."""
        return publish_alerts(self.store, self._producer, self.topics.alerts, self.projector.world, ids)
