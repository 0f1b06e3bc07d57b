"""The scorer's store: the ledger entries it has applied, its projections, its alerts and
its consumer offsets, always written together in one transaction.

Every write transaction begins by bumping the single ``scorer_state`` row. That first
UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so scorer instances
(and `scorer rebuild`) never interleave: each sees everything the others committed, and
rows stamped with the version that wrote them tell an instance what it has not seen."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from shared.clock import utc_now
from shared.db.ledger import ConcurrentWrite, LedgerStore, Partition, _advance_offsets
from shared.db.schema import (
    agency_scores,
    agency_target_values,
    alerts,
    national_figures,
    scorer_observations,
    scorer_skipped,
    scorer_state,
)
from shared.db.snapshots import STATE_ID, SnapshotWriter, day_rows

PROJECTION_TABLES = {
    "agency_target_values": agency_target_values,
    "national_figures": national_figures,
    "agency_scores": agency_scores,
}
_KEYS = {
    "agency_target_values": ("agency_id", "target_id"),
    "national_figures": ("target_id", "block"),
    "agency_scores": ("agency_id",),
}


@dataclass(frozen=True)
class ScorerSnapshot:
    """Everything an instance loads on start."""

    version: int
    evaluated_on: date | None
    observations: Iterator[dict[str, Any]]
    """Streamed one agency × target after another (each in seq order), not held: there is
    one per ledger entry."""
    projections: dict[str, list[dict[str, Any]]]
    snapshots: dict[date, dict[str, list[dict[str, Any]]]]
    """The stored snapshot rows per day (shared/db/snapshots.py)."""
    snapshot_versions: dict[date, int | None]
    """The scorer version each stored snapshot day reflects (None: it waits for entries)."""
    skipped: list[int]
    """Ledger entries counted as applied though unreadable."""


def _rows(result) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


def _projection_rows(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, table in PROJECTION_TABLES.items():
        order = [table.c[k] for k in _KEYS[name]]
        out[name] = _rows(conn.execute(select(table).order_by(*order)))
    return out


class ScorerStore:
    """SQL access for the scorer service."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- reads ----------------------------------------------------------------------
    def tracked_offsets(self, group: str, parts: Iterable[Partition]) -> dict[Partition, int | None]:
        """The next offset to consume per partition, None where nothing was stored."""
        return LedgerStore(self.engine).tracked_offsets(group, parts)

    def state(self) -> tuple[int, date | None]:
        """(version, day the projections were evaluated for)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(scorer_state.c.version, scorer_state.c.evaluated_on)
                               .where(scorer_state.c.id == STATE_ID)).first()
        return (0, None) if row is None else (row.version, row.evaluated_on)

    def snapshot(self) -> ScorerSnapshot:
        """Applied entries and projections. The version is read first: anything another
        instance commits meanwhile carries a higher version and is read again (and its
        projections reloaded) by the caller's next transaction."""
        with self.engine.connect() as conn:
            row = conn.execute(select(scorer_state.c.version, scorer_state.c.evaluated_on)
                               .where(scorer_state.c.id == STATE_ID)).first()
            projections = _projection_rows(conn)
            snapshots = day_rows(conn)
            versions = SnapshotWriter(conn).versions()
            skipped = list(conn.execute(select(scorer_skipped.c.seq)).scalars())
        version, evaluated_on = (0, None) if row is None else (row.version, row.evaluated_on)
        return ScorerSnapshot(version, evaluated_on, self._observations(), projections, snapshots, versions, skipped)

    def _observations(self) -> Iterator[dict[str, Any]]:
        t = scorer_observations
        with self.engine.connect() as conn:
            q = select(t).order_by(t.c.agency_id, t.c.target_id, t.c.seq)
            for r in conn.execution_options(yield_per=5000).execute(q):
                yield dict(r._mapping)

    def projection_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every projection table's rows, sorted by key."""
        with self.engine.connect() as conn:
            return _projection_rows(conn)

    def observation_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(scorer_observations)).scalar_one()

    def cells(self, agency_id: str | None = None, target_id: str | None = None) -> list[dict[str, Any]]:
        t = agency_target_values
        q = select(t).order_by(t.c.agency_id, t.c.target_id)
        if agency_id:
            q = q.where(t.c.agency_id == agency_id)
        if target_id:
            q = q.where(t.c.target_id == target_id)
        with self.engine.connect() as conn:
            return _rows(conn.execute(q))

    def national(self, target_id: str | None = None) -> list[dict[str, Any]]:
        t = national_figures
        q = select(t).order_by(t.c.target_id, t.c.block)
        if target_id:
            q = q.where(t.c.target_id == target_id)
        with self.engine.connect() as conn:
            return _rows(conn.execute(q))

    def scores(self, agency_id: str | None = None) -> list[dict[str, Any]]:
        t = agency_scores
        q = select(t).order_by(t.c.kind, t.c.rank, t.c.agency_id)
        if agency_id:
            q = q.where(t.c.agency_id == agency_id)
        with self.engine.connect() as conn:
            return _rows(conn.execute(q))

    def alerts(self, agency_id: str | None = None, target_id: str | None = None,
               threshold: str | None = None) -> list[dict[str, Any]]:
        t = alerts
        q = select(t).order_by(t.c.id)
        if agency_id:
            q = q.where(t.c.agency_id == agency_id)
        if target_id:
            q = q.where(t.c.target_id == target_id)
        if threshold:
            q = q.where(t.c.threshold == threshold)
        with self.engine.connect() as conn:
            return _rows(conn.execute(q))

    def unpublished_alerts(self, ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
        """Alerts committed but not yet confirmed on the alerts topic (all, or these ids)."""
        q = select(alerts).where(alerts.c.published_at.is_(None)).order_by(alerts.c.id)
        if ids is not None:
            ids = list(ids)
            if not ids:
                return []
            q = q.where(alerts.c.id.in_(ids))
        with self.engine.connect() as conn:
            return _rows(conn.execute(q))

    def mark_published(self, ids: list[int]) -> None:
        now = utc_now()
        with self.engine.begin() as conn:
            for i in range(0, len(ids), 1000):
                conn.execute(update(alerts).where(alerts.c.id.in_(ids[i:i + 1000])).values(published_at=now))

    # ---- the one write path -------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[ScorerTx]:
        """A locked scorer transaction; raises ConcurrentWrite (nothing written) when an
        offset moved under us or a unique key was taken concurrently."""
        try:
            with self.engine.begin() as conn:
                yield ScorerTx(conn, _lock(conn))
        except IntegrityError as exc:
            raise ConcurrentWrite(str(exc.orig)) from exc


def _lock(conn: Connection) -> int:
    now = utc_now()
    moved = conn.execute(
        update(scorer_state).where(scorer_state.c.id == STATE_ID)
        .values(version=scorer_state.c.version + 1, updated_at=now)
    ).rowcount
    if moved != 1:
        # The migration creates the row; recreate it if someone removed it. A concurrent
        # insert fails on the primary key and the caller retries.
        conn.execute(insert(scorer_state).values(id=STATE_ID, version=1, updated_at=now))
    return conn.execute(select(scorer_state.c.version).where(scorer_state.c.id == STATE_ID)).scalar_one()


_AMENDED_DAYS = """
WITH keys(agency_id, target_id) AS (VALUES {keys}),
amending AS (
    SELECT o.agency_id, o.target_id, o.observed_at, o.amends FROM scorer_observations o
    JOIN keys k ON o.agency_id = k.agency_id AND o.target_id = k.target_id
    WHERE o.kind IN ('correction', 'retraction')
), days AS (
    SELECT agency_id, target_id, observed_at FROM amending
    UNION
    SELECT o.agency_id, o.target_id, o.observed_at FROM scorer_observations o
    JOIN amending m ON o.agency_id = m.agency_id AND o.target_id = m.target_id AND o.event_id = m.amends
)
SELECT o.* FROM scorer_observations o
JOIN days d ON o.agency_id = d.agency_id AND o.target_id = d.target_id AND o.observed_at = d.observed_at
ORDER BY o.agency_id, o.target_id, o.seq
"""


class ScorerTx:
    """What one locked scorer transaction can do."""

    def __init__(self, conn: Connection, version: int) -> None:
        self.conn = conn
        self.version = version  # this transaction's version (already stored)

    def advance_offsets(self, group: str, offsets: Mapping[Partition, tuple[int | None, int]]) -> None:
        """Move the group's offsets from the expected values; ConcurrentWrite otherwise."""
        _advance_offsets(self.conn, group, dict(offsets))

    def observations_since(self, version: int) -> list[dict[str, Any]]:
        """Entries other transactions applied after ``version``."""
        t = scorer_observations
        return _rows(self.conn.execute(select(t).where(t.c.version > version).order_by(t.c.seq)))

    def observations_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Every applied entry of each of these agency × target keys, in seq order."""
        t = scorer_observations
        by_agency: dict[str, list[str]] = {}
        for agency_id, target_id in keys:
            by_agency.setdefault(agency_id, []).append(target_id)
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for agency_id, targets in sorted(by_agency.items()):
            q = (select(t).where(t.c.agency_id == agency_id, t.c.target_id.in_(sorted(targets)))
                 .order_by(t.c.target_id, t.c.seq))
            for row in _rows(self.conn.execute(q)):
                out.setdefault((row["agency_id"], row["target_id"]), []).append(row)
        return out

    def amended_days_of(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """For each agency × target key, in seq order: every applied entry observed on a day
        that one of its corrections or retractions, or an event one of them amends, is
        observed on (what replaying an amendment needs: shared/scoring/digest.py). One
        query per 500 keys."""
        wanted = sorted(set(keys))
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            values = ", ".join(f"(:a{j}, :t{j})" for j in range(len(chunk)))
            params = {k: v for j, (a, t) in enumerate(chunk) for k, v in ((f"a{j}", a), (f"t{j}", t))}
            q = text(_AMENDED_DAYS.format(keys=values)).columns(*scorer_observations.c)  # typed: dates as dates
            for row in _rows(self.conn.execute(q, params)):
                out.setdefault((row["agency_id"], row["target_id"]), []).append(row)
        return out

    def insert_skipped(self, seqs: list[int]) -> None:
        """Record ledger entries counted as applied though the scorer cannot read them."""
        if seqs:
            self.conn.execute(insert(scorer_skipped), [dict(seq=s, version=self.version) for s in seqs])

    def set_position(self, applied: int, highest_seq: int) -> None:
        """Record how many ledger entries are applied, up to which seq."""
        self.conn.execute(update(scorer_state).where(scorer_state.c.id == STATE_ID)
                          .values(applied=applied, highest_seq=highest_seq))

    @property
    def snapshots(self) -> SnapshotWriter:
        """The snapshot tables, written in this transaction."""
        return SnapshotWriter(self.conn)

    def snapshot_rows(self) -> dict[date, dict[str, list[dict[str, Any]]]]:
        """Every stored snapshot day's rows (after another instance wrote)."""
        return day_rows(self.conn)

    def observation_keys(self) -> Iterator[tuple[int, str, str]]:
        """(seq, agency_id, target_id) of every applied entry, streamed."""
        t = scorer_observations
        # Streamed by the statement's own option: set on the connection it would also
        # apply to the transaction's later statements (a DELETE cannot be streamed).
        q = select(t.c.seq, t.c.agency_id, t.c.target_id).execution_options(yield_per=20_000)
        for row in self.conn.execute(q):
            yield tuple(row)

    def observations_at(self, seqs: list[int]) -> list[dict[str, Any]]:
        """The applied entries with these seqs."""
        t = scorer_observations
        out: list[dict[str, Any]] = []
        for i in range(0, len(seqs), 1000):
            out += _rows(self.conn.execute(select(t).where(t.c.seq.in_(seqs[i:i + 1000])).order_by(t.c.seq)))
        return out

    def insert_observations(self, rows: list[dict[str, Any]]) -> None:
        """Record newly applied entries (stamped with this transaction's version).

        One row per ledger entry, so through the driver's own bulk path (COPY on
        PostgreSQL, executemany on SQLite) rather than SQLAlchemy's parameter handling,
        which cost several times the insert itself."""
        if not rows:
            return
        names = [c.name for c in scorer_observations.c]
        values = [tuple(r[n] for n in names[:-1]) + (self.version,) for r in rows]
        columns = ", ".join(names)
        if self.conn.dialect.name == "postgresql":
            with self.conn.connection.driver_connection.cursor() as cur:
                with cur.copy(f"COPY scorer_observations ({columns}) FROM STDIN") as copy:
                    for v in values:
                        copy.write_row(v)
            return
        day = names.index("observed_at")
        # SQLAlchemy's Date on SQLite is the ISO text; written the same way here.
        values = [v[:day] + (v[day].isoformat(),) + v[day + 1:] for v in values]
        marks = ", ".join("?" * len(names))
        self.conn.exec_driver_sql(f"INSERT INTO scorer_observations ({columns}) VALUES ({marks})", values)

    def clear_observations(self) -> None:
        self.conn.execute(delete(scorer_observations))
        self.conn.execute(delete(scorer_skipped))

    def projections(self) -> dict[str, list[dict[str, Any]]]:
        return _projection_rows(self.conn)

    def write(self, upserts: Mapping[str, list[dict[str, Any]]], deletes: Mapping[str, list[tuple]]) -> None:
        """Replace changed rows and delete vanished ones, per projection table."""
        for name, table in PROJECTION_TABLES.items():
            keys = _KEYS[name]
            where = and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            gone = [dict(zip((f"k_{k}" for k in keys), key)) for key in deletes.get(name, ())]
            rows = list(upserts.get(name, ()))
            gone += [{f"k_{k}": r[k] for k in keys} for r in rows]
            for i in range(0, len(gone), 5000):
                self.conn.execute(delete(table).where(where), gone[i:i + 5000])
            for i in range(0, len(rows), 5000):
                self.conn.execute(insert(table), rows[i:i + 5000])

    def clear_projections(self) -> None:
        for table in PROJECTION_TABLES.values():
            self.conn.execute(delete(table))

    def alert_keys(self) -> set[tuple[str, str, str]]:
        """(agency_id, target_id, threshold) of every alert already emitted."""
        t = alerts
        return {tuple(r) for r in self.conn.execute(select(t.c.agency_id, t.c.target_id, t.c.threshold))}

    def insert_alerts(self, rows: list[dict[str, Any]]) -> list[int]:
        """Record new alerts; returns their ids (to publish after the commit)."""
        if not rows:
            return []
        now = utc_now()
        ids = self.conn.execute(
            insert(alerts).returning(alerts.c.id, sort_by_parameter_order=True),
            [dict(r, created_at=now) for r in rows],
        ).scalars().all()
        return list(ids)

    def evaluated_on(self) -> date | None:
        """The day the stored projections were evaluated for."""
        return self.conn.execute(select(scorer_state.c.evaluated_on).where(scorer_state.c.id == STATE_ID)).scalar_one()

    def set_evaluated_on(self, day: date) -> None:
        self.conn.execute(update(scorer_state).where(scorer_state.c.id == STATE_ID).values(evaluated_on=day))
