"""SQL the report service needs beyond the ledger and scorer stores: positions of the
ledger and of the dead letters at an instant, the Merkle leaves up to a ledger position,
the dead letters up to a position, and the ``reports`` table of scheduled reports.

Instants are compared in UTC: SQLite stores timestamps as UTC text without a zone, so an
instant in any other zone would compare as the wrong wall-clock time there."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.clock import as_utc, utc_now
from shared.db.schema import dead_letters, ledger_entries, reports, tree_heads


@dataclass(frozen=True)
class RejectedRow:
    """A dead letter as the report counts it."""

    id: int
    reason_code: str
    agency_id: str | None
    original: bytes
    rejected_at: datetime


class ReportQueries:
    """Read-only queries over the ledger and the dead letters."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ledger_position(self, at: datetime) -> int:
        """The highest ledger seq recorded at or before ``at`` (0: none)."""
        le = ledger_entries
        # Walked down the primary key from the newest entry, stopping at the first one
        # recorded by then: for a recent cut-off a few rows, where max() over a filter
        # reads the whole table (recorded_at has no index).
        q = select(le.c.seq).where(le.c.recorded_at <= as_utc(at)).order_by(le.c.seq.desc()).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar() or 0

    def dead_letter_position(self, at: datetime) -> int:
        """The highest dead-letter id rejected at or before ``at`` (0: none)."""
        dl = dead_letters
        q = select(func.coalesce(func.max(dl.c.id), 0)).where(dl.c.rejected_at <= as_utc(at))
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def last_recorded(self) -> datetime | None:
        """When the newest ledger entry or dead letter was written (None: neither exists)."""
        with self.engine.connect() as conn:
            entry = conn.execute(select(func.max(ledger_entries.c.recorded_at))).scalar_one()
            letter = conn.execute(select(func.max(dead_letters.c.rejected_at))).scalar_one()
        found = [as_utc(t) for t in (entry, letter) if t is not None]
        return max(found) if found else None

    def leaf_span(self, seq: int) -> tuple[int, int | None]:
        """(how many entries, the highest leaf index among them) of the entries up to
        ``seq``: a report counts the first ``count`` leaves of the Merkle tree, which holds
        when the highest index is ``count - 1``."""
        le = ledger_entries
        q = select(func.count(), func.max(le.c.leaf_index)).where(le.c.seq <= seq)
        with self.engine.connect() as conn:
            count, last = conn.execute(q).one()
        return count, last

    def first_head_size(self, covering: int) -> int | None:
        """The size of the first tree head issued that covers ``covering`` leaves (the
        smallest at or above it); None when none does yet."""
        q = select(func.min(tree_heads.c.tree_size)).where(tree_heads.c.tree_size >= covering)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def rejected_up_to(self, dead_letter_id: int) -> list[RejectedRow]:
        """Every dead letter with an id up to ``dead_letter_id``, requeued ones included
        (a requeue does not undo the rejection), oldest first."""
        dl = dead_letters
        q = (select(dl.c.id, dl.c.reason_code, dl.c.agency_id, dl.c.original, dl.c.rejected_at)
             .where(dl.c.id <= dead_letter_id).order_by(dl.c.id))
        with self.engine.connect() as conn:
            return [RejectedRow(*row) for row in conn.execute(q)]


    def ledger_rows(self, upto_seq: int, batch: int = 10_000) -> Iterator[tuple[int, str, int, datetime, str]]:
        """(seq, agency_id, chain_pos, recorded_at, payload) of every entry up to ``upto_seq`` in ledger
        order, streamed: only the columns the report folds (the event is in the payload;
        the hashes, read for every entry, cost a fifth of the read)."""
        le = ledger_entries
        q = (select(le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.recorded_at, le.c.payload)
             .where(le.c.seq <= upto_seq).order_by(le.c.seq))
        with self.engine.connect() as conn:
            for rows in conn.execution_options(yield_per=batch).execute(q).partitions():
                yield from rows

    def entries_at(self, seqs: Iterable[int]) -> list[Any]:
        """The entries with these sequence numbers: rows with ``seq``, ``agency_id`` and ``payload``."""
        le = ledger_entries
        wanted = sorted(set(seqs))
        out: list[Any] = []
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _CHUNK):
                q = select(le.c.seq, le.c.agency_id, le.c.payload).where(le.c.seq.in_(wanted[i:i + _CHUNK]))
                out.extend(conn.execute(q))
        return out

    def agencies_recorded(self, start: datetime, end: datetime, upto_seq: int) -> set[str]:
        """The agencies with an entry up to ``upto_seq`` recorded in [start, end)."""
        le = ledger_entries
        q = (select(le.c.agency_id).distinct()
             .where(le.c.seq <= upto_seq, le.c.recorded_at >= as_utc(start), le.c.recorded_at < as_utc(end)))
        with self.engine.connect() as conn:
            return set(conn.execute(q).scalars())

    def amending_entries(self, upto_seq: int) -> list[Any]:
        """Every correction and retraction up to ``upto_seq`` in ledger order: rows with
        ``seq``, ``agency_id``, ``recorded_at`` and ``payload``."""
        le = ledger_entries
        q = (select(le.c.seq, le.c.agency_id, le.c.recorded_at, le.c.payload)
             .where(le.c.seq <= upto_seq, le.c.kind.in_(("correction", "retraction"))).order_by(le.c.seq))
        with self.engine.connect() as conn:
            return list(conn.execute(q))

    def latest_explanations(self, upto_seq: int, observed_by: date) -> dict[tuple[str, str], Any]:
        """The latest explanation (giải trình) of each agency × target among the entries up
        to ``upto_seq`` and given on or before ``observed_by`` (a report's day: a quarter's
        report quotes none given after it) — a newer one supersedes the earlier — by
        (agency_id, target_id): rows with ``seq``, ``agency_id``, ``target_id``,
        ``recorded_at`` and ``payload``. Never one recorded after the cut-off; explanations
        are few, so all are read."""
        le = ledger_entries
        q = (select(le.c.seq, le.c.agency_id, le.c.target_id, le.c.recorded_at, le.c.payload)
             .where(le.c.seq <= upto_seq, le.c.kind == "explanation", le.c.observed_at <= observed_by)
             .order_by(le.c.seq))
        with self.engine.connect() as conn:
            return {(r.agency_id, r.target_id): r for r in conn.execute(q)}

    def entries_of_events(self, keys: Iterable[tuple[str, str]], upto_seq: int) -> list[Any]:
        """The entries up to ``upto_seq`` with these (agency_id, event_id): rows with
        ``seq``, ``agency_id``, ``event_id`` and ``payload``. One query per agency so the
        unique (agency_id, event_id) index is used."""
        le = ledger_entries
        by_agency: dict[str, set[str]] = {}
        for agency_id, event_id in keys:
            by_agency.setdefault(agency_id, set()).add(event_id)
        out: list[Any] = []
        with self.engine.connect() as conn:
            for agency_id, ids in sorted(by_agency.items()):
                ordered = sorted(ids)
                for i in range(0, len(ordered), _CHUNK):
                    q = select(le.c.seq, le.c.agency_id, le.c.event_id, le.c.payload).where(
                        le.c.agency_id == agency_id, le.c.event_id.in_(ordered[i:i + _CHUNK]), le.c.seq <= upto_seq)
                    out.extend(conn.execute(q))
        return out


_CHUNK = 500


@dataclass(frozen=True)
class ReportRecord:
    """A scheduled report: claimed with its cut-off, then built, then announced."""

    id: int
    period: str
    lang: str
    cutoff_at: datetime
    cutoff_seq: int
    cutoff_dead_letter_id: int
    # The Merkle proof of the cut-off (services/report/model.py TreeProof, as JSON), known
    # once the report is built: a head covering the cut-off may be signed after the claim.
    tree: dict[str, Any] | None
    files: dict[str, Any] | None
    claimed_at: datetime
    built_at: datetime | None
    published_at: datetime | None


def _record(row) -> ReportRecord:
    m = row._mapping
    return ReportRecord(
        id=m["id"], period=m["period"], lang=m["lang"], cutoff_at=as_utc(m["cutoff_at"]),
        cutoff_seq=m["cutoff_seq"], cutoff_dead_letter_id=m["cutoff_dead_letter_id"],
        tree=json.loads(m["tree"]) if m["tree"] else None,
        files=json.loads(m["files"]) if m["files"] else None, claimed_at=as_utc(m["claimed_at"]),
        built_at=as_utc(m["built_at"]) if m["built_at"] else None,
        published_at=as_utc(m["published_at"]) if m["published_at"] else None,
    )


class ReportStore:
    """The ``reports`` table. A period and language is claimed once (a unique key), with
    the cut-off it will be built at, so a worker that restarts after a crash rebuilds the
    very same report instead of one at a later cut-off."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, period: str, lang: str, cutoff_at: datetime, cutoff_seq: int,
              cutoff_dead_letter_id: int) -> ReportRecord | None:
        """Record that this report is being built; None when it was claimed before."""
        now = utc_now()
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(insert(reports).returning(reports.c.id).values(
                    period=period, lang=lang, cutoff_at=as_utc(cutoff_at), cutoff_seq=cutoff_seq,
                    cutoff_dead_letter_id=cutoff_dead_letter_id, claimed_at=now,
                )).scalar_one()
        except IntegrityError:
            return None
        return self.get(new_id)

    def get(self, report_id: int) -> ReportRecord:
        with self.engine.connect() as conn:
            return _record(conn.execute(select(reports).where(reports.c.id == report_id)).one())

    def all(self) -> list[ReportRecord]:
        """Every scheduled report, in the order they were claimed."""
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(select(reports).order_by(reports.c.id))]

    def claimed(self) -> set[tuple[str, str]]:
        """(period, lang) of every report claimed so far."""
        with self.engine.connect() as conn:
            return {(p, lang) for p, lang in conn.execute(select(reports.c.period, reports.c.lang))}

    def unbuilt(self) -> list[ReportRecord]:
        """Claimed reports whose files were never recorded (their builder stopped)."""
        with self.engine.connect() as conn:
            q = select(reports).where(reports.c.built_at.is_(None)).order_by(reports.c.id)
            return [_record(r) for r in conn.execute(q)]

    def unpublished(self) -> list[ReportRecord]:
        """Built reports not yet confirmed on the reports topic."""
        with self.engine.connect() as conn:
            q = (select(reports).where(reports.c.built_at.is_not(None), reports.c.published_at.is_(None))
                 .order_by(reports.c.id))
            return [_record(r) for r in conn.execute(q)]

    def mark_built(self, report_id: int, files: dict[str, Any], tree: dict[str, Any] | None) -> None:
        """Record the files of a built report and the Merkle proof it carries."""
        with self.engine.begin() as conn:
            conn.execute(update(reports).where(reports.c.id == report_id).values(
                files=json.dumps(files, sort_keys=True, ensure_ascii=False),
                tree=json.dumps(tree, sort_keys=True, ensure_ascii=False) if tree is not None else None,
                built_at=utc_now()))

    def mark_published(self, report_id: int) -> None:
        """Record that the broker has the announcement."""
        with self.engine.begin() as conn:
            conn.execute(update(reports).where(reports.c.id == report_id)
                         .values(published_at=utc_now()))
