"""The ledger store: append-only entries, the offsets consumed to write them, dead
letters and what remains to be published, all written in one transaction per batch.

Entries are their own outbox: a batch records the range of leaves it appended, and its
ledger-topic messages and receipts are built from the entries, again after a crash; dead
letters and tree heads go through the outbox table."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple
from datetime import date, datetime, timezone

from sqlalchemy import Engine, func, insert, select, update, delete
from sqlalchemy.exc import IntegrityError

from shared.clock import utc_now
from shared.db.schema import consumer_offsets, dead_letters, ledger_entries, outbox, unpublished_leaves
from shared.db.tree import TreeStore
from shared.domain.chain import ChainRow
from shared.domain.tree_head import TreeHead

Partition = tuple[str, int]


class ConcurrentWrite(RuntimeError):
    """Another worker committed first (a rebalance moved partitions, or it appended to
    the same chain): nothing was written; reload and retry."""


@dataclass(frozen=True)
class ChainHead:
    """The last entry of an agency's chain."""

    chain_pos: int
    hash: str


@dataclass(frozen=True)
class KnownEvent:
    """What de-duplication and amendment checks need of an entry already recorded."""

    content_digest: str
    target_id: str
    kind: str
    amends: str | None
    payload: str


@dataclass
class NewEntry:
    """A ledger entry ready to insert (hash chain fields already computed)."""

    agency_id: str
    chain_pos: int
    event_id: str
    target_id: str
    kind: str
    observed_at: date
    amends: str | None
    payload: str
    content_digest: str
    prev_hash: str
    hash: str
    recorded_at: datetime


@dataclass
class NewDeadLetter:
    """A rejected message, kept with its original bytes and where it came from."""

    reason_code: str
    message: str
    original: bytes
    original_key: bytes | None
    source_topic: str
    source_partition: int
    source_offset: int
    agency_id: str | None = None
    event_id: str | None = None


@dataclass
class Batch:
    """Everything one consumed batch produces, committed atomically."""

    group: str
    offsets: dict[Partition, tuple[int | None, int]] = field(default_factory=dict)
    entries: list[NewEntry] = field(default_factory=list)
    dead_letters: list[NewDeadLetter] = field(default_factory=list)
    outbox_ids: list[int] = field(default_factory=list)
    """Filled in by `commit_batch`: the ids of the outbox rows it wrote, so the caller can
    publish the messages it holds and delete the rows without reading them back."""
    unpublished: list[int] = field(default_factory=list)
    """Filled in by `commit_batch`: the first leaf of the range it appended (none when it
    appended nothing), for `clear_outbox` once the entries' messages are published."""
    head: TreeHead | None = None
    """Filled in by `commit_batch`: the tree head it issued with the batch, if one was due."""


@dataclass(frozen=True)
class StoredEntry:
    """A committed ledger entry."""

    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    target_id: str
    kind: str
    payload: str
    prev_hash: str
    hash: str
    recorded_at: datetime
    leaf_index: int


HeadIssuer = Callable[[int, bytes], "TreeHead | None"]
"""Given the tree's new size and root after a batch, a signed head when one is due."""


class LedgerStore:
    """SQL access for the ingest side of the pipeline."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tree = TreeStore(engine)

    # ---- reads -------------------------------------------------------------------
    def tracked_offsets(self, group: str, parts: Iterable[Partition]) -> dict[Partition, int | None]:
        """The next offset to consume per partition, None where nothing was stored."""
        parts = list(parts)
        result: dict[Partition, int | None] = {p: None for p in parts}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(consumer_offsets.c.topic, consumer_offsets.c.partition, consumer_offsets.c.next_offset)
                .where(consumer_offsets.c.group_id == group)
            )
            for topic, partition, offset in rows:
                if (topic, partition) in result:
                    result[(topic, partition)] = offset
        return result

    def all_tracked_offsets(self) -> dict[str, dict[Partition, int]]:
        """Every consumer group's stored offsets (for status)."""
        out: dict[str, dict[Partition, int]] = {}
        with self.engine.connect() as conn:
            for g, t, p, o in conn.execute(select(consumer_offsets)):
                out.setdefault(g, {})[(t, p)] = o
        return out

    def chain_heads(self, agencies: Iterable[str] | None = None) -> dict[str, ChainHead]:
        """The last entry of each agency's chain."""
        le = ledger_entries
        last = select(le.c.agency_id, func.max(le.c.chain_pos).label("pos")).group_by(le.c.agency_id)
        if agencies is not None:
            last = last.where(le.c.agency_id.in_(list(agencies)))
        last = last.subquery()
        q = select(le.c.agency_id, le.c.chain_pos, le.c.hash).join(
            last, (le.c.agency_id == last.c.agency_id) & (le.c.chain_pos == last.c.pos)
        )
        with self.engine.connect() as conn:
            return {a: ChainHead(p, h) for a, p, h in conn.execute(q)}

    def known_events(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownEvent]:
        """Entries already recorded under the given (agency_id, event_id) pairs."""
        with self.engine.connect() as conn:
            rows = _pairs_in(conn, "agency_id, event_id, content_digest, target_id, kind, amends, payload",
                             ("agency_id", "event_id"), "", keys)
            return {(a, e): KnownEvent(d, t, k, m, p) for a, e, d, t, k, m, p in rows}

    def retracted(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of the given (agency_id, event_id) pairs a retraction already removed."""
        with self.engine.connect() as conn:
            return set(_pairs_in(conn, "agency_id, amends", ("agency_id", "amends"), "kind = 'retraction' AND ", keys))

    def leaves(self, below: int) -> Iterator["Leaf"]:
        """The entries with a leaf index below ``below``, in leaf order, streamed."""
        le = ledger_entries
        q = (select(le.c.leaf_index, le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.hash)
             .where(le.c.leaf_index < below).order_by(le.c.leaf_index))
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=10_000).execute(q):
                yield Leaf(*row)

    def entry_of_event(self, agency_id: str, event_id: str) -> StoredEntry | None:
        """The entry recorded for an agency's event id, if any."""
        le = ledger_entries
        q = select(le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.target_id, le.c.kind, le.c.payload,
                   le.c.prev_hash, le.c.hash, le.c.recorded_at, le.c.leaf_index
                   ).where(le.c.agency_id == agency_id, le.c.event_id == event_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else StoredEntry(*row)

    def ledger_size(self) -> int:
        """Number of ledger entries."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(ledger_entries)).scalar_one()

    def head_seq(self) -> int:
        """The highest sequence number in the ledger (0 when empty)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.coalesce(func.max(ledger_entries.c.seq), 0))).scalar_one()

    def chain_rows(self) -> Iterator[ChainRow]:
        """Every entry in chain order, streamed (for verify)."""
        le = ledger_entries
        q = select(le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.payload, le.c.prev_hash, le.c.hash,
                   le.c.recorded_at, le.c.target_id, le.c.kind, le.c.observed_at, le.c.amends,
                   le.c.content_digest).order_by(le.c.agency_id, le.c.chain_pos, le.c.seq)
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=5000).execute(q):
                yield ChainRow(*row)

    def entries(self, after_seq: int = 0, upto_seq: int | None = None, batch: int = 5000) -> Iterator[StoredEntry]:
        """Committed entries in sequence order."""
        le = ledger_entries
        q = select(
            le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.target_id, le.c.kind,
            le.c.payload, le.c.prev_hash, le.c.hash, le.c.recorded_at, le.c.leaf_index,
        ).where(le.c.seq > after_seq).order_by(le.c.seq)
        if upto_seq is not None:
            q = q.where(le.c.seq <= upto_seq)
        with self.engine.connect() as conn:
            for row in conn.execution_options(yield_per=batch).execute(q):
                yield StoredEntry(*row)

    # ---- the one write path -------------------------------------------------------
    def commit_batch(self, batch: Batch, announce, issue_head: HeadIssuer | None = None) -> list[StoredEntry]:
        """Append entries and dead letters, extend the Merkle tree, keep the head
        ``issue_head`` signs when one is due, note the entries' leaves as unpublished,
        keep the outbox messages and advance the offsets, in one transaction.
        `announce(entries, dead_letters, head, now)` returns the outbox messages (topic,
        key, value): those of dead letters and heads; the entries' own messages are built
        from them (`unpublished_entries`). Raises ConcurrentWrite when another worker got
        there first; nothing is written then."""
        now = utc_now()
        try:
            with self.engine.begin() as conn:
                _advance_offsets(conn, batch.group, batch.offsets)
                stored: list[StoredEntry] = []
                if batch.entries:
                    # First: the tree's row orders this batch after any other worker's.
                    start, root = self.tree.extend(conn, [e.hash for e in batch.entries])
                    seqs = _insert_entries(conn, batch.entries, start)
                    stored = [
                        StoredEntry(seqs[i], e.agency_id, e.chain_pos, e.event_id, e.target_id, e.kind, e.payload,
                                    e.prev_hash, e.hash, e.recorded_at, start + i)
                        for i, e in enumerate(batch.entries)
                    ]
                    conn.execute(insert(unpublished_leaves).values(first_leaf=start, end_leaf=start + len(stored)))
                    batch.unpublished = [start]
                    batch.head = issue_head(start + len(stored), root) if issue_head else None
                    if batch.head is not None:
                        self.tree.record_head(conn, batch.head)
                if batch.dead_letters:
                    conn.execute(insert(dead_letters), [dict(vars(d), rejected_at=now) for d in batch.dead_letters])
                messages = announce(stored, batch.dead_letters, batch.head, now)
                if messages:
                    rows = [dict(topic=t, key=k, value=v) for t, k, v in messages]
                    batch.outbox_ids = [i for (i,) in _insert_returning(conn, outbox, rows, ("id",))]
                return stored
        except IntegrityError as exc:
            self.tree.forget()
            raise ConcurrentWrite(str(exc.orig)) from exc
        except BaseException:
            self.tree.forget()
            raise

    def record_head(self, issue_head: HeadIssuer, announce_head) -> TreeHead | None:
        """Issue a head over the whole tree now (ingest idle with leaves no head covers),
        keep it and queue its message ``announce_head(head)`` in one transaction. None when
        the newest head already covers every leaf, or another worker issued this one."""
        try:
            with self.engine.begin() as conn:
                size = self.tree.locked_size(conn)
                if size == 0 or self.tree.newest_head_size(conn) >= size:
                    return None
                head = issue_head(size, self.tree.root_in(conn, size))
                if head is None:
                    return None
                self.tree.record_head(conn, head)
                topic, key, value = announce_head(head)
                conn.execute(insert(outbox).values(topic=topic, key=key, value=value))
                return head
        except IntegrityError:
            return None

    # ---- outbox -------------------------------------------------------------------
    def pending_outbox(self, limit: int = 10_000) -> list[tuple[int, str, bytes | None, bytes]]:
        """Messages committed but not yet confirmed published, oldest first (dead letters
        and tree heads; the entries' are `unpublished_entries`)."""
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(select(outbox).order_by(outbox.c.id).limit(limit))]

    def unpublished_entries(self, limit: int = 10_000) -> tuple[list[int], list[StoredEntry]]:
        """The oldest batches whose entries' messages the broker has not acknowledged (a
        worker stopped between its commit and its publish), about ``limit`` entries: the
        first leaf of each, for `clear_outbox`, and their entries in leaf order."""
        ul, le = unpublished_leaves, ledger_entries
        with self.engine.connect() as conn:
            ranges, count = [], 0
            for first, end in conn.execute(select(ul.c.first_leaf, ul.c.end_leaf).order_by(ul.c.first_leaf)):
                if ranges and count + end - first > limit:
                    break
                ranges.append((first, end))
                count += end - first
            entries = []
            for first, end in ranges:
                q = select(le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.target_id, le.c.kind,
                           le.c.payload, le.c.prev_hash, le.c.hash, le.c.recorded_at, le.c.leaf_index
                           ).where(le.c.leaf_index >= first, le.c.leaf_index < end).order_by(le.c.leaf_index)
                entries.extend(StoredEntry(*row) for row in conn.execute(q))
        return [first for first, _ in ranges], entries

    def clear_outbox(self, ids: list[int], unpublished: list[int] = ()) -> None:
        """Forget messages the broker has acknowledged: outbox rows by id, and batches of
        entries by their first leaf (`Batch.unpublished`, `unpublished_entries`)."""
        if not ids and not unpublished:
            return
        with self.engine.begin() as conn:
            for chunk in _chunks(ids, 1000):
                conn.execute(delete(outbox).where(outbox.c.id.in_(chunk)))
            for chunk in _chunks(list(unpublished), 1000):
                conn.execute(delete(unpublished_leaves).where(unpublished_leaves.c.first_leaf.in_(chunk)))

    # ---- what the scorer checks a ledger message against ---------------------------------
    def recorded(self, seqs: Iterable[int]) -> dict[int, "Recorded"]:
        """The ledger rows with these sequence numbers (those that exist), by seq: one
        SELECT per 1,000 numbers. The scorer applies a ledger-topic message only when this
        row exists with the message's hash, and applies the row, not the message."""
        le = ledger_entries
        wanted = sorted(set(seqs))
        found: dict[int, Recorded] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, 1000):
                q = select(le.c.seq, le.c.hash, le.c.agency_id, le.c.chain_pos, le.c.payload).where(le.c.seq.in_(chunk))
                for seq, *rest in conn.execute(q):
                    found[seq] = Recorded(*rest)
        return found


def _advance_offsets(conn, group: str, offsets: dict[Partition, tuple[int | None, int]]) -> None:
    co = consumer_offsets
    for (topic, partition), (expected, new) in offsets.items():
        if expected is None:
            # Unique primary key: a concurrent first insert fails the transaction.
            conn.execute(insert(co).values(group_id=group, topic=topic, partition=partition, next_offset=new))
            continue
        moved = conn.execute(
            update(co)
            .where(co.c.group_id == group, co.c.topic == topic, co.c.partition == partition, co.c.next_offset == expected)
            .values(next_offset=new)
        ).rowcount
        if moved != 1:
            raise ConcurrentWrite(f"{topic}[{partition}] moved past {expected} in another worker")


# PostgreSQL array types of the columns bulk-inserted through unnest().
_PG_ARRAY = {"String": "text[]", "Text": "text[]", "Integer": "integer[]", "BigInteger": "bigint[]",
             "Date": "date[]", "DateTime": "timestamptz[]", "LargeBinary": "bytea[]"}


_ENTRY_COLUMNS = ("agency_id, chain_pos, event_id, target_id, kind, observed_at, amends, payload, content_digest, "
                  "prev_hash, hash, recorded_at, leaf_index")


def _insert_entries(conn, entries: list[NewEntry], start: int) -> list[int]:
    """Insert ``entries`` as leaves ``start``, ``start`` + 1, …; their sequence numbers.

    As the drivers' own statements: SQLAlchemy's executemany (bind processors, RETURNING
    in VALUES batches) cost more than the rows themselves. On SQLite, in a transaction
    that holds the database's one write lock since it moved the offsets, the next rowids
    are max(seq) + 1, + 2, … (what SQLite would choose: seq is its rowid, without
    AUTOINCREMENT), written out; dates and times in the text SQLAlchemy writes and reads
    back (``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS.ffffff`` in UTC). On PostgreSQL one
    ``INSERT … SELECT FROM unnest`` of binary arrays (``%b``): as text, psycopg's
    array dumper escaped every payload in Python, 40 µs a row against 1."""
    if conn.dialect.name != "postgresql":
        first = conn.exec_driver_sql("SELECT coalesce(max(seq), 0) + 1 FROM ledger_entries").scalar_one()
        # In UTC: SQLite keeps a timestamp's wall time and drops its offset.
        rows = [(first + i, e.agency_id, e.chain_pos, e.event_id, e.target_id, e.kind, e.observed_at.isoformat(),
                 e.amends, e.payload, e.content_digest, e.prev_hash, e.hash,
                 e.recorded_at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds"), start + i)
                for i, e in enumerate(entries)]
        conn.exec_driver_sql(f"INSERT INTO ledger_entries (seq, {_ENTRY_COLUMNS}) "
                             f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return [first + i for i in range(len(entries))]
    columns = ([e.agency_id for e in entries], [e.chain_pos for e in entries], [e.event_id for e in entries],
               [e.target_id for e in entries], [e.kind for e in entries], [e.observed_at for e in entries],
               [e.amends for e in entries], [e.payload for e in entries], [e.content_digest for e in entries],
               [e.prev_hash for e in entries], [e.hash for e in entries],
               [e.recorded_at.astimezone(timezone.utc) for e in entries], list(range(start, start + len(entries))))
    returned = conn.exec_driver_sql(
        f"INSERT INTO ledger_entries ({_ENTRY_COLUMNS}) SELECT * FROM unnest(%b::text[], %b::integer[], %b::text[], "
        "%b::text[], %b::text[], %b::date[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], "
        "%b::timestamptz[], %b::bigint[]) RETURNING leaf_index, seq", columns)
    seq_of = dict(returned.all())
    return [seq_of[start + i] for i in range(len(entries))]


def _insert_returning(conn, table, rows: list[dict], returning: tuple[str, ...]) -> list[tuple]:
    """Insert ``rows`` and return the ``returning`` columns of each (in no particular order).

    On PostgreSQL one ``INSERT ... SELECT * FROM unnest(<one array per column>)``: the
    multi-row VALUES statement SQLAlchemy builds holds thousands of placeholders, which
    psycopg re-parses in Python on every batch (a quarter of ingest's time, `make bench`);
    binary arrays (``%b``), which psycopg does not escape element by element."""
    if conn.dialect.name != "postgresql":
        return [tuple(r) for r in conn.execute(insert(table).returning(*(table.c[c] for c in returning)), rows)]
    names = list(rows[0])
    arrays = tuple([r[n] for r in rows] for n in names)
    types = ", ".join(f"%b::{_PG_ARRAY[type(table.c[n].type).__name__]}" for n in names)
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM unnest({types}) "
           f"RETURNING {', '.join(returning)}")
    return [tuple(r) for r in conn.exec_driver_sql(sql, arrays)]


def _pairs_in(conn, columns: str, pair: tuple[str, str], condition: str,
              keys: Iterable[tuple[str, str]]) -> list[tuple]:
    """Ledger rows whose ``pair`` of columns (the agency and an event id) is one of ``keys``.

    On SQLite one query per agency, ``agency_id = ? AND <id> IN (...)``, so that it seeks
    the unique (agency_id, event_id) index: a row-value ``IN (VALUES ...)`` made it scan
    all of it. On PostgreSQL one join to the pairs as arrays. SQLAlchemy's rendering of an
    expanding IN cost more than the query itself, hence SQL text with the driver's own
    placeholders."""
    if conn.dialect.name == "postgresql":
        # One round trip for the whole batch, joined to the index through unnest; per
        # agency it was a hundred round trips a batch, most of ingest's latency there.
        pairs = sorted(set(keys))
        # Binary arrays (%b): as text, psycopg escapes every element in Python.
        sql = (f"SELECT {columns} FROM ledger_entries JOIN unnest(%b::text[], %b::text[]) AS wanted(a, e) "
               f"ON {pair[0]} = wanted.a AND {pair[1]} = wanted.e WHERE {condition}TRUE")
        return [tuple(r) for r in conn.exec_driver_sql(sql, ([a for a, _ in pairs], [e for _, e in pairs]))]
    mark = "?"
    by_agency: dict[str, set[str]] = {}
    for agency_id, event_id in keys:
        by_agency.setdefault(agency_id, set()).add(event_id)
    out: list[tuple] = []
    for agency_id, ids in by_agency.items():
        for chunk in _chunks(sorted(ids), 500):
            sql = (f"SELECT {columns} FROM ledger_entries WHERE {condition}{pair[0]} = {mark} "
                   f"AND {pair[1]} IN ({','.join([mark] * len(chunk))})")
            out.extend(tuple(r) for r in conn.exec_driver_sql(sql, (agency_id, *chunk)))
    return out


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Recorded(NamedTuple):
    """What the scorer reads of a ledger row to check and apply a ledger message."""

    hash: str
    agency_id: str
    chain_pos: int
    payload: str


class Leaf(NamedTuple):
    """A ledger entry as the Merkle tree sees it."""

    leaf_index: int
    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    hash: str

    def describe(self) -> str:
        """How an operator finds the entry."""
        return f"entry seq={self.seq} (agency {self.agency_id}, chain position {self.chain_pos}, event {self.event_id})"
