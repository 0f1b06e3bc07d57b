"""Figures, completions, statuses and scores on one day, as of one ledger position."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from functools import lru_cache

from shared.domain.catalogue import Target, TargetKind, TargetScope
from shared.scoring.figures import Count, Fig, Milestone, Ratio
from shared.scoring.history import Fold, Point, point_day
from shared.scoring.rows import CellRow, NationalRow, ScoreRow
from shared.scoring.status import MILESTONE_AT_RISK_DAYS, REPORTING_INTERVAL_DAYS, Status
from shared.scoring.sweep import Totals, sweep, sweep_tail
from shared.scoring.world import World

_KIND_OF_FIG = {Ratio: TargetKind.RATIO, Count: TargetKind.COUNT, Milestone: TargetKind.MILESTONE}


@lru_cache(maxsize=1024)  # a few target values, converted for every cell of every batch
def _exact(x: int | float) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _fig_kind(fig: Fig) -> TargetKind:
    return _KIND_OF_FIG[type(fig)]


def _magnitude(fig: Fig) -> Fraction:
    if isinstance(fig, Ratio):
        return Fraction(fig.num, fig.den)
    if isinstance(fig, Count):
        return Fraction(fig.n)
    return Fraction(1 if fig.done else 0)


def completion_of(magnitude: Fraction, target_value: Fraction, higher_is_better: bool = True) -> Fraction:
    """min(1, value ÷ target) (or target ÷ value for a lower-is-better target)."""
    if higher_is_better:
        raw = magnitude / target_value
    else:
        raw = Fraction(1) if magnitude == 0 else target_value / magnitude
    return min(Fraction(1), raw)


def _raw_completion(magnitude: Fraction, target_value: Fraction, higher_is_better: bool) -> Fraction:
    if higher_is_better:
        return magnitude / target_value
    return Fraction(10**9) if magnitude == 0 else target_value / magnitude


def judge(points: list[Point], target: Target, on: date, *, milestone_rule: bool,
          goal: Fraction | None = None) -> tuple[Status, Fraction | None]:
    """The status on ``on`` of a series (oldest first; all observed on or before ``on``),
    and the completion projected to the deadline where a trend was used. ``goal``
    replaces the target value (a national total)."""
    tv = _exact(target.target_value) if goal is None else goal
    last = points[-1] if points else None
    if last is not None and completion_of(_magnitude(last.fig), tv, target.higher_is_better) >= 1:
        return Status.MET, None
    if on > target.deadline:
        return Status.OVERDUE, None
    if last is None or (on - last.on).days > REPORTING_INTERVAL_DAYS:
        return Status.NO_DATA, None
    if milestone_rule:
        at_risk = (target.deadline - on).days <= MILESTONE_AT_RISK_DAYS
        return (Status.AT_RISK if at_risk else Status.ON_TRACK), None
    if len(points) < 2:
        return Status.AT_RISK, None
    prev = points[-2]
    c_last = _raw_completion(_magnitude(last.fig), tv, target.higher_is_better)
    c_prev = _raw_completion(_magnitude(prev.fig), tv, target.higher_is_better)
    slope = (c_last - c_prev) / (last.on - prev.on).days
    projected = c_last + slope * (target.deadline - last.on).days
    return (Status.ON_TRACK if projected >= 1 else Status.AT_RISK), projected



def _roll_up(kind: TargetKind, merged: list[tuple[str, date]]):
    """How a successor's figure on a day comes from its own and its predecessors' (series
    0 is its own, the others its predecessors ending on their ``until`` days)."""

    def combine(day: date, totals: Totals, current: dict[int, Point]) -> Fig:
        if kind is TargetKind.RATIO:
            return Ratio(totals.num, totals.den)
        if kind is TargetKind.COUNT:
            return Count(totals.n)
        # Done only when every predecessor still counted (and the successor itself,
        # if it reported) has a figure, and all of them say done.
        expected = sum(1 for _, until in merged if day <= until) + (1 if 0 in current else 0)
        return Milestone(totals.present == expected and totals.done == totals.present)

    return combine


@dataclass(frozen=True)
class NationalFigure:
    """The end of a target's national series and what it says on the evaluation day."""

    target_id: str
    points: list[Point]  # the series' last two points: all its value and status depend on
    agencies: list[str]
    status: Status
    projected: Fraction | None


class Evaluator:
    """Figures on one day, as of one ledger position (None: everything applied)."""

    def __init__(self, fold: Fold, world: World, on: date, upto: int | None = None) -> None:
        self.fold = fold
        self.world = world
        self.on = on
        self.upto = upto
        self.targets = world.targets_on(on)
        self.agencies = {a.id: a for a in world.agencies_on(on)}
        self._timelines: dict[tuple[str, str], list[Point]] = {}
        self._tails: dict[tuple[str, str], list[Point]] = {}
        self._national: dict[str, NationalFigure] = {}

    # -- series ---------------------------------------------------------------------------
    def applicable(self, target: Target) -> list[str]:
        """Agencies existing on the day that the target applies to, in registry order."""
        return [a for a in self.agencies if self.world.applies(target, a)]

    def timeline(self, agency_id: str, target: Target) -> list[Point]:
        """The agency's series for the target up to the day, predecessors rolled up."""
        key = (agency_id, target.id)
        cached = self._timelines.get(key)
        if cached is not None:
            return cached
        on = self.on
        kind = target.kind
        own = [p for p in self.fold.points(agency_id, target.id, self.upto)
               if p.on <= on and _fig_kind(p.fig) is kind]
        result = self._with_predecessors(agency_id, target, own, self.timeline, sweep)
        self._timelines[key] = result
        return result

    def tail(self, agency_id: str, target: Target) -> list[Point]:
        """The last two points of :meth:`timeline`, all a figure and its status depend on,
        found without building the series: the cost of a figure does not grow with the
        history behind it."""
        key = (agency_id, target.id)
        cached = self._tails.get(key)
        if cached is not None:
            return cached
        kind = target.kind
        points = self.fold.points(agency_id, target.id, self.upto)
        own: list[Point] = []
        j = bisect.bisect_right(points, self.on, key=point_day)
        while j and len(own) < 2:
            j -= 1
            if _fig_kind(points[j].fig) is kind:
                own.insert(0, points[j])
        result = self._with_predecessors(agency_id, target, own, self.tail, sweep_tail)
        self._tails[key] = result
        return result

    def _with_predecessors(self, agency_id: str, target: Target, own: list[Point], series_of, sweeper) -> list[Point]:
        """``own`` (the agency's own points) rolled up with the series of its predecessors
        that had ended by the day: ``series_of(pid, target)`` gives a predecessor's series,
        ``sweeper`` combines them (:func:`sweep` for whole series, :func:`sweep_tail` for
        their last points)."""
        merged = self._merged(agency_id)
        if not merged:
            return own
        series = [(own, None)] + [(series_of(pid, target), until) for pid, until in merged]
        last_merger = max(until for _, until in merged)
        own_on = {p.on: p for p in own}
        # After the last merger only the successor's own figures remain: keep them as they are.
        return [own_on[p.on] if p.on > last_merger else p for p in sweeper(series, _roll_up(target.kind, merged))]

    def _merged(self, agency_id: str) -> list[tuple[str, date]]:
        """The agency's predecessors that had ended by the day, with their last days."""
        merged = []
        for pid in self.world.agency(agency_id).predecessors:
            until = self.world.agency(pid).valid_to
            if until is not None and until < self.on:
                merged.append((pid, until))
        return merged

    def national_figure(self, target: Target) -> NationalFigure:
        """The target's national series over the applicable agencies, and its status on the day."""
        cached = self._national.get(target.id)
        if cached is not None:
            return cached
        agencies = self.applicable(target)
        series = [(self.tail(a, target), None) for a in agencies]
        kind = target.kind
        total = len(agencies)

        def combine(day: date, totals: Totals, current: dict[int, Point]) -> Fig | None:
            if kind is TargetKind.RATIO:
                return Ratio(totals.num, totals.den)
            if kind is TargetKind.COUNT:
                return Count(totals.n)
            return Ratio(totals.done, total) if total else None

        points = sweep_tail(series, combine)
        status, projected = judge(points, target, self.on, milestone_rule=False, goal=national_goal(target, total))
        result = NationalFigure(target.id, points, agencies, status, projected)
        self._national[target.id] = result
        return result

    # -- rows -----------------------------------------------------------------------------
    def cell(self, agency_id: str, target: Target) -> CellRow:
        """The agency × target row on the day: value, completion, status, source."""
        points = self.tail(agency_id, target)
        last = points[-1] if points else None
        tv = _exact(target.target_value)
        value = numerator = denominator = completion = None
        if last is not None:
            magnitude = _magnitude(last.fig)
            value = float(magnitude)
            if isinstance(last.fig, Ratio):
                numerator, denominator = last.fig.num, last.fig.den
            completion = float(completion_of(magnitude, tv, target.higher_is_better))
        if target.scope is TargetScope.NATIONAL:
            national = self.national_figure(target)
            stale = last is None or (self.on - last.on).days > REPORTING_INTERVAL_DAYS
            status = national.status
            if stale and status not in (Status.MET, Status.OVERDUE):
                status = Status.NO_DATA
            projected = None
        else:
            status, projected = judge(points, target, self.on,
                                      milestone_rule=target.kind is TargetKind.MILESTONE)
        return CellRow(
            agency_id=agency_id, target_id=target.id, value=value, numerator=numerator, denominator=denominator,
            completion=completion, status=status.value, observed_at=last.on if last else None,
            source_seq=last.seq if last else None, source_agency_id=last.agency_id if last else None,
            source_event_id=last.event_id if last else None, rolled_up=bool(last and last.rolled_up),
            projected=None if projected is None else float(projected), evaluated_on=self.on,
        )

    def national_row(self, target: Target, cells: dict[tuple[str, str], CellRow]) -> NationalRow:
        """The target's national row on the day, with the statuses of ``cells`` counted."""
        nf = self.national_figure(target)
        last = nf.points[-1] if nf.points else None
        value = numerator = denominator = completion = None
        if last is not None:
            magnitude = _magnitude(last.fig)
            value = float(magnitude)
            if target.kind is not TargetKind.COUNT:
                numerator, denominator = last.fig.num, last.fig.den
            completion = float(completion_of(magnitude, national_goal(target, len(nf.agencies)),
                                             target.higher_is_better))
        counts = {s: 0 for s in Status}
        reporting = 0
        for a in nf.agencies:
            c = cells[(a, target.id)]
            counts[Status(c.status)] += 1
            if c.observed_at is not None and (self.on - c.observed_at).days <= REPORTING_INTERVAL_DAYS:
                reporting += 1
        return NationalRow(
            target_id=target.id, value=value, numerator=numerator, denominator=denominator, completion=completion,
            status=nf.status.value, projected=None if nf.projected is None else float(nf.projected),
            agencies=len(nf.agencies), reporting=reporting, met=counts[Status.MET], on_track=counts[Status.ON_TRACK],
            at_risk=counts[Status.AT_RISK], overdue=counts[Status.OVERDUE], no_data=counts[Status.NO_DATA],
            evaluated_on=self.on,
        )

    def score(self, agency_id: str, cells: dict[tuple[str, str], CellRow]) -> tuple[float, int]:
        """The composite score (0..100) and the number of targets it covers. Computed
        exactly from the stored completions, so it depends on the cells alone."""
        total_w = Fraction(0)
        acc = Fraction(0)
        n = 0
        for target_id in sorted(self.targets):
            target = self.targets[target_id]
            if target.scope is not TargetScope.AGENCY:
                continue
            cell = cells.get((agency_id, target_id))
            if cell is None:
                continue
            w = _exact(target.weight)
            total_w += w
            n += 1
            if cell.completion is not None:
                acc += w * Fraction(cell.completion)
        return (0.0 if total_w == 0 else float(100 * acc / total_w)), n


def national_goal(target: Target, agencies: int) -> Fraction:
    """What the national figure is measured against: the target value, except for a count
    every agency must reach on its own (e.g. 200 procedures per province), where the
    national goal is that count times the number of applicable agencies."""
    tv = _exact(target.target_value)
    if target.kind is TargetKind.COUNT and target.scope is TargetScope.AGENCY:
        return tv * max(agencies, 1)
    return tv


def rank_scores(scores: dict[str, tuple[float, int]], kinds: dict[str, str], on: date) -> dict[str, ScoreRow]:
    """Competition ranking (1, 2, 2, 4) within each kind, highest score first."""
    out: dict[str, ScoreRow] = {}
    by_kind: dict[str, list[str]] = {}
    for agency_id in scores:
        by_kind.setdefault(kinds[agency_id], []).append(agency_id)
    for kind, members in by_kind.items():
        members.sort(key=lambda a: (-scores[a][0], a))
        rank = 0
        previous = None
        for i, a in enumerate(members, start=1):
            if scores[a][0] != previous:
                rank, previous = i, scores[a][0]
            out[a] = ScoreRow(a, kind, scores[a][0], rank, len(members), scores[a][1], on)
    return out
