"""A hand-written ledger for the scorer's unit tests: entries with consecutive seqs, and
short-hands to evaluate them (the real catalogue and registry; no database, no broker)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date

from shared.scoring.entries import Entry
from shared.scoring.figures import Count, Milestone, Ratio
from shared.scoring.history import Fold
from shared.scoring.projector import Projector

PROJECTOR = Projector()  # one DomainWorld for the whole test session: its caches are pure
D = date.fromisoformat


class Ledger:
    """Appends entries the way ingest would: seq grows, chain position per agency."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._pos: dict[str, int] = defaultdict(int)
        self._ids = itertools.count(1)

    def _add(self, agency, target, kind, on, figure, amends=None, event_id=None) -> Entry:
        self._pos[agency] += 1
        e = Entry(seq=len(self.entries) + 1, agency_id=agency, chain_pos=self._pos[agency],
                  event_id=event_id or f"{agency}-{next(self._ids)}", target_id=target, kind=kind,
                  observed_at=D(on) if isinstance(on, str) else on, amends=amends, figure=figure)
        self.entries.append(e)
        return e

    def ratio(self, agency, target, on, num, den, **kw) -> Entry:
        return self._add(agency, target, "measurement", on, Ratio(num, den), **kw)

    def count(self, agency, target, on, n, **kw) -> Entry:
        return self._add(agency, target, "measurement", on, Count(n), **kw)

    def milestone(self, agency, target, on, done, done_on=None, **kw) -> Entry:
        done_on = D(done_on) if isinstance(done_on, str) else done_on
        if done and done_on is None:
            done_on = D(on) if isinstance(on, str) else on
        return self._add(agency, target, "milestone", on, Milestone(done, done_on), **kw)

    def correct(self, amended: Entry, on=None, figure=None, **kw) -> Entry:
        return self._add(amended.agency_id, amended.target_id, "correction", on or amended.observed_at,
                         figure, amends=amended.event_id, **kw)

    def retract(self, amended: Entry, on=None, **kw) -> Entry:
        return self._add(amended.agency_id, amended.target_id, "retraction", on or amended.observed_at,
                         None, amends=amended.event_id, **kw)

    def fold(self, upto: int | None = None, order=None) -> Fold:
        f = Fold()
        for e in (order if order is not None else self.entries):
            if upto is None or e.seq <= upto:
                f.apply(e)
        return f

    def projections(self, on, upto: int | None = None):
        return PROJECTOR.full(self.fold(), D(on) if isinstance(on, str) else on, upto)

    def cell(self, agency, target, on, upto: int | None = None):
        on = D(on) if isinstance(on, str) else on
        ev = PROJECTOR.evaluator(self.fold(), on, upto)
        return ev.cell(agency, ev.targets[target])

    def national(self, target, on, upto: int | None = None, block: str | None = None):
        """The task's national row of ``block`` (default: its total, or its only block)."""
        rows = {b: row for (t, b), row in self.projections(on, upto).national.items() if t == target}
        return rows[block] if block else rows.get("all") or next(iter(rows.values()))
