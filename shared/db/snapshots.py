"""The snapshot tables: the projections of the month ends reports read (issue 15).

The scorer writes them inside its own locked transaction (:class:`SnapshotWriter`); a
report and the as-of queries read a day's rows only when they reflect exactly the ledger
up to the position asked for (:class:`SnapshotReader`): the day was brought up to date by
the scorer's latest transaction, and the entries the scorer has applied are precisely
the ledger's entries up to that position."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, insert, select, update

from shared.db.schema import (
    ledger_entries,
    scorer_state,
    snapshot_cells,
    snapshot_days,
    snapshot_national,
    snapshot_scores,
)

STATE_ID = 1
# Projection table name → (its snapshot table, its key without the day).
SNAPSHOT_TABLES = {
    "agency_target_values": (snapshot_cells, ("agency_id", "target_id")),
    "national_figures": (snapshot_national, ("target_id", "block")),
    "agency_scores": (snapshot_scores, ("agency_id",)),
}


@dataclass(frozen=True)
class ScorerPosition:
    """How far the scorer has got: its version, how many ledger entries it has applied and
    the highest seq among them."""

    version: int
    applied: int
    highest_seq: int


def _rows(result) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


def day_rows(conn: Connection, days: Iterable[date] | None = None) -> dict[date, dict[str, list[dict[str, Any]]]]:
    """Stored snapshot rows per day (these days, or all), per projection table, by key."""
    wanted = None if days is None else sorted(set(days))
    out: dict[date, dict[str, list[dict[str, Any]]]] = {}
    known = conn.execute(select(snapshot_days.c.day)).scalars().all()
    for day in known:
        if wanted is None or day in wanted:
            out[day] = {name: [] for name in SNAPSHOT_TABLES}
    for name, (table, keys) in SNAPSHOT_TABLES.items():
        q = select(table).order_by(table.c.evaluated_on, *(table.c[k] for k in keys))
        if wanted is not None:
            q = q.where(table.c.evaluated_on.in_(wanted))
        for row in _rows(conn.execute(q)):
            if row["evaluated_on"] in out:
                out[row["evaluated_on"]][name].append(row)
    return out


class SnapshotWriter:
    """Writes of the snapshot tables, inside a scorer transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def write(self, day: date, upserts: Mapping[str, list[dict[str, Any]]], deletes: Mapping[str, list[tuple]]) -> None:
        """Replace the changed rows of ``day`` and delete its vanished ones."""
        for name, (table, keys) in SNAPSHOT_TABLES.items():
            where = and_(table.c.evaluated_on == bindparam("k_day"), *(table.c[k] == bindparam(f"k_{k}") for k in keys))
            rows = list(upserts.get(name, ()))
            gone = [dict(zip((f"k_{k}" for k in keys), key), k_day=day) for key in deletes.get(name, ())]
            gone += [dict({f"k_{k}": r[k] for k in keys}, k_day=day) for r in rows]
            for i in range(0, len(gone), 5000):
                self.conn.execute(delete(table).where(where), gone[i:i + 5000])
            for i in range(0, len(rows), 5000):
                self.conn.execute(insert(table), rows[i:i + 5000])

    def replace(self, day: date, rows: Mapping[str, list[dict[str, Any]]]) -> int:
        """Store ``day``'s rows in place of whatever it held; how many rows."""
        for table, _ in SNAPSHOT_TABLES.values():
            self.conn.execute(delete(table).where(table.c.evaluated_on == day))
        written = 0
        for name, (table, _) in SNAPSHOT_TABLES.items():
            chunk = rows.get(name, [])
            for i in range(0, len(chunk), 5000):
                self.conn.execute(insert(table), chunk[i:i + 5000])
            written += len(chunk)
        return written

    def versions(self) -> dict[date, int | None]:
        """Each stored day and the scorer version its rows reflect (None: waiting)."""
        return dict(self.conn.execute(select(snapshot_days.c.day, snapshot_days.c.version)).all())

    def keep_days(self, days: Iterable[date]) -> None:
        """Drop every snapshot day but these (and its rows)."""
        kept = sorted(set(days))
        for table, _ in SNAPSHOT_TABLES.values():
            self.conn.execute(delete(table).where(table.c.evaluated_on.not_in(kept)))
        self.conn.execute(delete(snapshot_days).where(snapshot_days.c.day.not_in(kept)))

    def clear(self) -> None:
        """Drop every snapshot (`scorer rebuild`)."""
        self.keep_days([])

    def mark(self, current: Iterable[date], pending: Iterable[date], version: int) -> None:
        """Record that the ``current`` days reflect every entry applied as of ``version``
        and that the ``pending`` ones wait for entries that touch them."""
        stored = set(self.conn.execute(select(snapshot_days.c.day)).scalars())
        for days, value in ((set(current), version), (set(pending), None)):
            if not days:
                continue
            self.conn.execute(update(snapshot_days).where(snapshot_days.c.day.in_(sorted(days & stored)))
                              .values(version=value))
            new = sorted(days - stored)
            if new:
                self.conn.execute(insert(snapshot_days), [dict(day=d, version=value) for d in new])


class SnapshotReader:
    """Reads of the snapshots, for a report or an as-of query."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def position(self) -> ScorerPosition:
        """The scorer's version and how many entries, up to which seq, it has applied."""
        with self.engine.connect() as conn:
            row = conn.execute(select(scorer_state.c.version, scorer_state.c.applied, scorer_state.c.highest_seq)
                               .where(scorer_state.c.id == STATE_ID)).first()
        return ScorerPosition(0, 0, 0) if row is None else ScorerPosition(*row)

    def rows_at(self, days: Iterable[date], seq: int) -> dict[date, dict[str, list[dict[str, Any]]]] | None:
        """The snapshot rows of every one of ``days`` as the ledger stood at ``seq``, read in
        one transaction; None when any of them is not kept or does not reflect exactly
        the ledger's entries up to ``seq`` (then the caller folds the ledger)."""
        wanted = sorted(set(days))
        with self.engine.connect() as conn:
            state = conn.execute(select(scorer_state.c.version, scorer_state.c.applied, scorer_state.c.highest_seq)
                                 .where(scorer_state.c.id == STATE_ID)).first()
            if state is None or state.highest_seq != seq:
                return None
            # Seq order agrees with leaf order and leaves are numbered 0, 1, 2…: the entries
            # up to ``seq`` are the first leaf_index + 1 leaves, one index look-up.
            leaf = conn.execute(select(ledger_entries.c.leaf_index).where(ledger_entries.c.seq == seq)).scalar()
            count = 0 if seq == 0 else None if leaf is None else leaf + 1
            if count != state.applied:
                return None
            versions = dict(conn.execute(select(snapshot_days.c.day, snapshot_days.c.version)
                                         .where(snapshot_days.c.day.in_(wanted))).all())
            if any(versions.get(d) != state.version for d in wanted):
                return None
            return day_rows(conn, wanted)
