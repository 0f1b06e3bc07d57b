"""The ingest worker: raw progress topic → ledger, effectively once.

Commit order per batch (the quix-streams rule): write entries (and the range of leaves
they take, still to be published), dead letters, outbox messages and the consumed
offsets in one database transaction; then publish the entries' messages and the outbox
to Kafka and flush; then forget the range and the outbox rows. A crash anywhere leaves
either nothing (the batch is consumed again from the stored offsets) or a range and an
outbox that the next start publishes, the entries' messages built again from the ledger.

`IngestWorker.step` is that batch step (admit → commit → publish) and `run` is the loop
around it that only polls, so the step is tested with the fakes of `tests.fakes`; the
worker speaks to the broker and the ledger store through `shared.ports`."""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from json.encoder import encode_basestring

from shared import ports
from shared.clock import utc_now, vietnam_today
from shared.config import Settings
from shared.db import DatabaseUnavailable
from shared.db.ledger import Batch, ChainHead, ConcurrentWrite, NewDeadLetter, NewEntry, StoredEntry
from shared.db.outage import until_available
from shared.domain.chain import GENESIS_HASH, entry_hash, recorded_text
from shared.domain.tree_head import TreeHead, sign_head
from shared.offsets import in_sequence
from shared.kafka import BrokerUnavailable, Record
from shared.keyfiles import OperatorKey

from services.ingest.admission import MAX_MESSAGE_BYTES, Decisions, decide

log = logging.getLogger("tiendo.ingest")
KEY_REFRESH_S = 2.0
DEAD_LETTER_EXCERPT_BYTES = 64 * 1024
"""How much of an oversized message's value and key the dead-letter topic repeats. The
broker takes messages of up to 4 MiB and base64 adds a third: a whole copy of a 3 MiB
message would be refused, and the worker could never publish its outbox again. The
dead_letters table keeps the message whole (for `dlq requeue`)."""


@dataclass
class IngestStats:
    """Running totals, printed when the worker stops."""

    consumed: int = 0
    appended: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0
    retries: int = 0
    redelivered: int = 0
    """Records consumed again below their partition's stored offset (already committed)."""
    tree_cpu_s: float = 0.0
    """CPU time extending the Merkle tree: numbering leaves, hashing, inserting nodes."""
    heads_cpu_s: float = 0.0
    """CPU time issuing tree heads: signing them and building their messages; for a head
    issued while idle, its whole transaction and publication."""
    receipts_cpu_s: float = 0.0
    """CPU time building receipt messages."""


def ledger_message(entry: StoredEntry) -> bytes:
    """The ledger-topic form of an entry; the event is embedded as recorded."""
    # json.dumps of the same members, written out: the general encoder cost more than the rest.
    s = encode_basestring
    return (f'{{"seq":{entry.seq:d},"agency_id":{s(entry.agency_id)},"chain_pos":{entry.chain_pos:d},'
            f'"recorded_at":"{recorded_text(entry.recorded_at)}","prev_hash":{s(entry.prev_hash)},'
            f'"hash":{s(entry.hash)},"event":{entry.payload}}}').encode("utf-8")


def receipt_message(entry: StoredEntry) -> bytes:
    """The receipt an agency system gets for a recorded event (docs/contract.md §10.1): where
    its event is in the ledger, and the hashes that prove it once a tree head covers it."""
    s = encode_basestring
    return (f'{{"kind":"tiendo.receipt.v1","agency_id":{s(entry.agency_id)},"event_id":{s(entry.event_id)},'
            f'"seq":{entry.seq:d},"chain_pos":{entry.chain_pos:d},"leaf_index":{entry.leaf_index:d},'
            f'"entry_hash":{s(entry.hash)},"prev_hash":{s(entry.prev_hash)},'
            f'"recorded_at":"{recorded_text(entry.recorded_at)}"}}').encode("utf-8")


def head_message(head: TreeHead) -> bytes:
    """The tree-head topic's form of a head: its JSON, signed note included."""
    return json.dumps(head.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class HeadPolicy:
    """When ingest signs a tree head: once ``every_entries`` leaves are uncovered, or
    ``every_seconds`` after the last head when any leaf is (the time also while idle)."""

    key: OperatorKey
    every_entries: int = 10_000
    every_seconds: float = 10.0
    clock: Callable[[], datetime] = utc_now
    last_size: int = 0
    last_at: float = field(default_factory=time.monotonic)

    def due(self, size: int) -> bool:
        """Whether a head over ``size`` leaves is due."""
        return size > self.last_size and (size - self.last_size >= self.every_entries
                                          or time.monotonic() - self.last_at >= self.every_seconds)

    def sign(self, size: int, root: bytes) -> TreeHead:
        """A head over ``size`` leaves with ``root``, signed now."""
        head = sign_head(self.key, size, root, self.clock())
        self.last_size, self.last_at = size, time.monotonic()
        return head

    def issue_if_due(self, size: int, root: bytes) -> TreeHead | None:
        """The batch-time rule: a signed head when one is due, else None."""
        return self.sign(size, root) if self.due(size) else None


def _oversized(d: NewDeadLetter) -> bool:
    return len(d.original) + len(d.original_key or b"") > MAX_MESSAGE_BYTES


def dead_letter_key(d: NewDeadLetter) -> bytes | None:
    """The dead-letter topic's key: the original key (cut like the value when oversized)."""
    if d.original_key and _oversized(d):
        return d.original_key[:DEAD_LETTER_EXCERPT_BYTES]
    return d.original_key


def dead_letter_message(d: NewDeadLetter, rejected_at: datetime) -> bytes:
    """The dead-letter-topic form of a rejected message: original bytes in base64; of an
    oversized message only its first DEAD_LETTER_EXCERPT_BYTES, marked ``truncated``."""
    original, key, extra = d.original, d.original_key, {}
    if _oversized(d):
        original, key = original[:DEAD_LETTER_EXCERPT_BYTES], dead_letter_key(d)
        extra = dict(truncated=True, original_size=len(d.original), original_key_size=len(d.original_key or b""))
    return json.dumps(
        dict(
            original=base64.b64encode(original).decode("ascii"),
            original_key=base64.b64encode(key).decode("ascii") if key else None,
            reason_code=d.reason_code, message=d.message, source_topic=d.source_topic,
            source_partition=d.source_partition, source_offset=d.source_offset,
            agency_id=d.agency_id, event_id=d.event_id, rejected_at=rejected_at.isoformat(), **extra,
        ),
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


class IngestWorker:
    """One member of the ingest consumer group."""

    def __init__(self, settings: Settings, broker: ports.Broker, ledger: ports.IngestLedger,
                 keys: ports.KeyDirectory,
                 today=vietnam_today, batch_size: int = 5000, replay_clock: bool = False,
                 heads: HeadPolicy | None = None) -> None:
        self.settings = settings
        self.heads = heads
        """Who signs tree heads, and how often (none: this worker issues no heads)."""
        self.replay_clock = replay_clock
        """Record each entry at its own reported_at instead of now: for simulations of a
        past year only (`tiendo ingest run --replay-clock`), never where agencies are real."""
        self.broker = broker
        self.ledger = ledger
        self.key_store = keys
        self.today = today
        self.batch_size = batch_size
        self.group = settings.group("ingest")
        self.topics = settings.topics
        self.stats = IngestStats()
        self._positions: dict[ports.Partition, int | None] = {}
        """The next offset per partition as the database stored it: the step's truth."""
        self._sought_back: dict[ports.Partition, int] = {}
        """Partitions whose records started past the stored offset, by that offset, once
        the consumer was sought back to it (see `_in_sequence`)."""
        self._heads: dict[str, ChainHead] = {}
        self._keys = {}
        self._keys_loaded = 0.0
        self._consumer: ports.Consumer | None = None
        self._producer: ports.Producer | None = None
        self._stop = lambda: False
        self._outbox_unchecked = False

    # ---- rebalance callbacks ---------------------------------------------------
    def _on_assigned(self, parts):
        # Waits out a database outage: an error here would stop the consumer's poll.
        stored = until_available(lambda: self.ledger.tracked_offsets(self.group, parts), self._stop) or {}
        self._positions = dict(stored)
        self._heads.clear()
        # A member that died between its commit and its publish left its messages in the
        # outbox: whoever takes its partitions over publishes them.
        self._outbox_unchecked = True
        return stored

    def _on_revoked(self, parts):
        for p in parts:
            self._positions.pop(p, None)
        self._heads.clear()

    # ---- the loop ----------------------------------------------------------------
    def run(self, until_idle: bool = False, stop=lambda: False) -> IngestStats:
        """Consume until stopped (or, with `until_idle`, until caught up): poll, hand
        each poll to `step`, and while idle issue tree heads."""
        self.start(stop)
        idle_since = time.monotonic()
        try:
            while not stop():
                try:
                    records = self._consumer.poll(max_records=self.batch_size, timeout_ms=200)
                    self.step(records)
                    if records:
                        idle_since = time.monotonic()
                        continue
                    self._issue_idle_head(final=False)
                    if until_idle and time.monotonic() - idle_since > 0.5 and self._group_caught_up():
                        self._issue_idle_head(final=True)
                        break
                except BrokerUnavailable as exc:
                    if type(exc) is not BrokerUnavailable:
                        raise  # refused, not away: exit; the next start publishes the outbox
                    # The broker away for longer than a flush waits (stopped, or slow to
                    # restart on a loaded machine): what was committed is in the outbox,
                    # which the next step publishes first. Ridden out, like the database's
                    # outages; records polled meanwhile are sought back to the stored offsets.
                    log.warning("%s; waiting for the broker", exc)
                    self.stats.retries += 1
                    self._outbox_unchecked = True
            if stop():
                self._issue_stopping_head()
        finally:
            self.close()
        return self.stats

    def start(self, stop=lambda: False) -> None:
        """Make sure the topics exist, publish what a worker that stopped between its
        commit and its publish left in the outbox, and join the consumer group (its
        partitions come with the first poll). `stop` ends any wait for the database."""
        self._stop = stop
        self.broker.ensure_topics(self.topics.all(), self.settings.partitions, self.topics.configs())
        self._producer = self.broker.producer()
        # A database still starting (or restarting) is waited for, not a reason to exit.
        until_available(self.publish_outbox, stop)
        if self.heads is not None:
            newest = until_available(lambda: self.ledger.tree.latest_head(), stop)
            self.heads.last_size = newest.tree_size if newest else 0
        self._consumer = self.broker.consumer(
            self.group, [self.topics.progress], self._on_assigned, self._on_revoked,
            max_poll_records=self.batch_size,
        )

    def close(self) -> None:
        """Leave the group and release the producer."""
        self._consumer.close()
        self._producer.close()

    # ---- the batch step ------------------------------------------------------------
    def step(self, records: list[Record]) -> None:
        """One poll's records: admit → commit → publish. First the outbox a rebalance may
        have handed over; then the records that continue their partitions from the
        stored offsets (`_in_sequence`) are admitted, committed in one transaction with
        their offsets, and their messages published. An empty poll only does the first."""
        if self._outbox_unchecked:
            self._outbox_unchecked = False
            until_available(self.publish_outbox, self._stop)
        records = self._in_sequence(records)
        if records:
            self._handle(records)

    def _in_sequence(self, records: list[Record]) -> list[Record]:
        """The records that go on from each partition's stored offset (shared/offsets.py:
        the stored offsets win over the consumer's position); redelivered ones counted."""
        kept, redelivered = in_sequence(records, self._positions, self._sought_back,
                                        lambda parts: self.ledger.tracked_offsets(self.group, parts),
                                        self._consumer.seek)
        self.stats.redelivered += redelivered
        return kept

    def _issue_idle_head(self, final: bool) -> None:
        """While no batch comes, a head once ``every_seconds`` have passed over leaves no
        head covers (or, stopping when caught up, at once): published like the rest."""
        policy = self.heads
        if policy is None or not (final or time.monotonic() - policy.last_at >= policy.every_seconds):
            return
        started = time.thread_time()
        head = until_available(
            lambda: self.ledger.record_head(policy.sign, lambda h: (self.topics.tree_heads, h.origin.encode(),
                                                                     head_message(h))), self._stop)
        if head is not None:
            self.publish_outbox()
        policy.last_at = time.monotonic()
        self.stats.heads_cpu_s += time.thread_time() - started

    def _issue_stopping_head(self) -> None:
        """Asked to stop (SIGTERM, Ctrl-C): one try at a head over what no head covers, so
        that what was recorded can be proven (and reported) without waiting for the next
        start. Nothing waits for an unavailable database or broker here: an unpublished
        head stays in the outbox for the next start."""
        policy = self.heads
        if policy is None:
            return
        try:
            head = self.ledger.record_head(policy.sign, lambda h: (self.topics.tree_heads, h.origin.encode(),
                                                                    head_message(h)))
            if head is not None:
                self.publish_outbox()
        except (DatabaseUnavailable, BrokerUnavailable) as exc:
            log.warning("stopping without a final tree head: %s", exc)

    def _group_caught_up(self) -> bool:
        # The whole group, not just this member: a member that owns nothing yet (the
        # coordinator is still waiting out a dead member) is not done.
        topic = self.topics.progress
        ends = self._consumer.end_offsets(topic)
        if not ends:
            return False  # no partition metadata yet: nothing says the topic is empty
        stored = self.ledger.tracked_offsets(self.group, [(topic, p) for p in ends])
        return all((stored[(topic, p)] or 0) >= end for p, end in ends.items())

    def _current_keys(self):
        if time.monotonic() - self._keys_loaded > KEY_REFRESH_S:
            self._keys = self.key_store.all()
            self._keys_loaded = time.monotonic()
        return self._keys

    def _handle(self, records: list[Record]) -> None:
        """Commit and publish, recovering from what another worker or the database did."""
        try:
            self._admit_commit_publish(records)
        except ConcurrentWrite as exc:
            # Another member owns (or owned) these partitions: start again from what
            # the database says was consumed.
            log.warning("concurrent write, re-reading stored offsets: %s", exc)
            self.stats.retries += 1
            until_available(self._resume, self._stop)
        except DatabaseUnavailable as exc:
            # PostgreSQL restarting, SQLite locked past its timeout. The batch may or may
            # not have been committed: once the database answers again, go on from the
            # offsets it stored and publish what its outbox holds.
            log.warning("database unavailable, waiting for it: %s", str(exc.orig).strip())
            self.stats.retries += 1
            until_available(lambda: (self._resume(), self.publish_outbox()), self._stop)

    def _resume(self) -> None:
        """Seek every assigned partition to the offset the database stored for it."""
        self._heads.clear()
        parts = self._consumer.assignment()
        stored = self.ledger.tracked_offsets(self.group, parts)
        self._positions = dict(stored)
        for (topic, partition), offset in stored.items():
            self._consumer.seek(topic, partition, offset or 0)

    def _admit_commit_publish(self, records: list[Record]) -> None:
        """The step proper, on records that continue their partitions; then counted."""
        batch, decisions = self._admit(records)
        stored, messages = self._commit(batch)
        self._publish(self._entry_messages(stored) + messages, batch.outbox_ids, batch.unpublished)
        self._consumer.mirror_commit({p: n for p, (_, n) in batch.offsets.items()})
        self.stats.consumed += len(records)
        self.stats.appended += len(stored)
        self.stats.duplicates += decisions.duplicates
        self.stats.dead_letters += len(decisions.rejected)
        self.stats.batches += 1

    def _admit(self, records: list[Record]) -> tuple[Batch, Decisions]:
        """The batch the records make: entries chained to their agencies' heads, dead
        letters, and each partition's offset moving from the stored one past its last record."""
        now = utc_now()
        received_at = (lambda ev: ev.reported_at) if self.replay_clock else (lambda ev: now)
        decisions = decide(records, self._current_keys(), received_at, self.today(), self.ledger.known_events,
                           self.ledger.retracted)
        batch = Batch(group=self.group)
        for r in records:
            part = (r.topic, r.partition)
            expected, _ = batch.offsets.get(part, (self._positions.get(part), None))
            batch.offsets[part] = (expected, r.offset + 1)
        batch.entries = self._chain(decisions)
        batch.dead_letters = [
            NewDeadLetter(r.code.value, r.message, r.record.value or b"", r.record.key, r.record.topic,
                          r.record.partition, r.record.offset, r.agency_id, r.event_id)
            for r in decisions.rejected
        ]
        return batch, decisions

    def _commit(self, batch: Batch) -> tuple[list[StoredEntry], list[ports.Message]]:
        """Write the batch in one transaction (with a tree head when one is due); the
        stored entries, and the outbox messages of its dead letters and head."""
        messages: list[ports.Message] = []

        def announce(stored, dead, head, now):
            # The entries' own messages are not kept: the ledger rows are their outbox.
            messages.extend((self.topics.dead_letters, dead_letter_key(d), dead_letter_message(d, now)) for d in dead)
            if head is not None:
                started = time.thread_time()
                messages.append((self.topics.tree_heads, head.origin.encode(), head_message(head)))
                self.stats.heads_cpu_s += time.thread_time() - started
            return messages

        def issue(size, root):
            started = time.thread_time()
            try:
                return self.heads.issue_if_due(size, root)
            finally:
                self.stats.heads_cpu_s += time.thread_time() - started

        tree_cpu_s = self.ledger.tree.extend_cpu_s
        stored = self.ledger.commit_batch(batch, announce, issue if self.heads is not None else None)
        self.stats.tree_cpu_s += self.ledger.tree.extend_cpu_s - tree_cpu_s
        for part, (_, new) in batch.offsets.items():
            self._positions[part] = new
        for e in stored:
            self._heads[e.agency_id] = ChainHead(e.chain_pos, e.hash)
        return stored, messages

    def _chain(self, decisions: Decisions) -> list[NewEntry]:
        agencies = {a.event.agency_id for a in decisions.accepted}
        missing = agencies - self._heads.keys()
        if missing:
            self._heads.update(self.ledger.chain_heads(missing))
        heads = dict(self._heads)
        entries = []
        for a in decisions.accepted:
            ev = a.event
            head = heads.get(ev.agency_id, ChainHead(0, GENESIS_HASH))
            pos = head.chain_pos + 1
            h = entry_hash(head.hash, ev.agency_id, pos, ev.event_id, a.payload, a.recorded_at)
            entries.append(NewEntry(ev.agency_id, pos, ev.event_id, ev.target_id, ev.kind.value, ev.observed_at,
                                    ev.amends, a.payload, a.digest, head.hash, h, a.recorded_at))
            heads[ev.agency_id] = ChainHead(pos, h)
        return entries

    def _entry_messages(self, stored: list[StoredEntry]) -> list[tuple[str, bytes | None, bytes]]:
        """The ledger-topic message and the receipt of each entry."""
        messages = [(self.topics.ledger, e.agency_id.encode(), ledger_message(e)) for e in stored]
        # Receipts in a pass of their own, so that their cost can be told apart.
        started = time.thread_time()
        messages.extend((self.topics.receipts, e.agency_id.encode(), receipt_message(e)) for e in stored)
        self.stats.receipts_cpu_s += time.thread_time() - started
        return messages

    def publish_outbox(self) -> int:
        """Publish every committed-but-unpublished message, then forget it (on start:
        what a worker that stopped between its commit and its publish left behind): the
        entries' messages, built again from the ledger, then the outbox."""
        total = 0
        while True:
            firsts, entries = self.ledger.unpublished_entries()
            if not firsts:
                break
            self._publish(self._entry_messages(entries), [], firsts)
            total += 2 * len(entries)
        while True:
            pending = self.ledger.pending_outbox()
            if not pending:
                return total
            self._publish([row[1:] for row in pending], [row[0] for row in pending])
            total += len(pending)

    def _publish(self, messages: list[tuple[str, bytes | None, bytes]], outbox_ids: list[int],
                 unpublished: list[int] = ()) -> None:
        """Send messages, wait for the broker's acknowledgement, delete their outbox rows
        and forget the batches of entries (by first leaf) whose messages they are."""
        if messages:
            for topic, key, value in messages:
                self._producer.send(topic, key, value)
            self._producer.flush()
        self.ledger.clear_outbox(outbox_ids, unpublished)
