"""National figures: per block (khối bộ, ngành; khối địa phương) and in total, with the
national status of each task.

A task every agency must reach on its own (scope ``agency``) is reached nationally when
every applicable agency has reached it: its status follows "x/N cơ quan đạt", never the
pooled figure alone. A task whose target is a national total (scope ``national``) is
judged on the national series like an agency's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from shared.domain.catalogue import Aggregation, Target, TargetKind, TargetScope
from shared.scoring.evaluation import Evaluator, completion_of, exact, judge, magnitude, run_start
from shared.scoring.figures import Count, Fig, Ratio
from shared.scoring.history import Point
from shared.scoring.rows import CellRow, NationalRow
from shared.scoring.status import BASELINE_DAY, DONE, REPORTING_INTERVAL_DAYS, Status
from shared.scoring.sweep import Totals, sweep, sweep_tail

ALL = "all"
"""The block of a total over ministries and provinces together."""


def blocks_of(kinds: set[str]) -> list[str]:
    """The blocks a task's national rows cover: each kind of agency it applies to, and the
    total only where it pools more than one kind."""
    return sorted(kinds) + ([ALL] if len(kinds) > 1 else [])


def national_goal(target: Target, agencies: int) -> Fraction:
    """What a pooled national figure is measured against: the target value, except for a
    count every agency must reach on its own, where it is that count times the agencies."""
    tv = exact(target.target_value)
    if target.kind is TargetKind.COUNT and target.scope is TargetScope.AGENCY:
        return tv * max(agencies, 1)
    return tv


@dataclass(frozen=True)
class NationalFigure:
    """A national-scope task's series end over all its agencies, and its status on the day."""

    target_id: str
    points: list[Point]
    agencies: list[str]
    status: Status
    met_on: date | None
    required: Fraction | None


def _pooled(kind: TargetKind):
    def combine(day: date, totals: Totals, current: dict[int, Point]) -> Fig | None:
        if kind is TargetKind.RATIO:
            return Ratio(totals.num, totals.den)
        if kind is TargetKind.COUNT:
            return Count(totals.n)
        return None  # a milestone's national figure is the share of agencies done (from the cells)

    return combine


class National:
    """National figures of one evaluator's day."""

    def __init__(self, ev: Evaluator) -> None:
        self.ev = ev
        ev.national = self
        self._figures: dict[str, NationalFigure] = {}

    def _series(self, agencies: list[str], target: Target, day: date | None = None) -> list[Point]:
        return sweep_tail([(self.ev.tail(a, target, day), None) for a in agencies], _pooled(target.kind))

    def figure(self, target: Target) -> NationalFigure:
        """A national-scope task's pooled series end and its status (judged like an agency's)."""
        cached = self._figures.get(target.id)
        if cached is not None:
            return cached
        ev = self.ev
        agencies = ev.applicable(target)
        goal = exact(target.target_value)
        if target.kind is TargetKind.MILESTONE:
            # One agency answers for a national milestone (the National Data Centre, a law):
            # the nation's status is that agency's, or done once every agency is.
            tails = [ev.tail(a, target) for a in agencies]
            lasts = [t[-1] for t in tails if t]
            met_ons = [ev.met_on(a, target) for a in agencies]
            met_on = max(met_ons) if met_ons and None not in met_ons else None
            last = max(lasts, key=lambda p: p.on) if lasts else None
            status, required = judge(last, target, ev.on, baseline=lambda: None, met_on=met_on)
            result = NationalFigure(target.id, [last] if last else [], agencies, status, met_on, required)
        else:
            points = self._series(agencies, target)
            last = points[-1] if points else None
            met_on = None
            if last is not None and completion_of(magnitude(last.fig), goal, target.higher_is_better) >= 1:
                met_on = run_start(sweep([(ev.timeline(a, target), None) for a in agencies], _pooled(target.kind)),
                                   target, goal)
            status, required = judge(last, target, ev.on, baseline=lambda: self._baseline(agencies, target),
                                     met_on=met_on, goal=goal)
            result = NationalFigure(target.id, points, agencies, status, met_on, required)
        self._figures[target.id] = result
        return result

    def _baseline(self, agencies: list[str], target: Target) -> Point | None:
        if self.ev.on >= BASELINE_DAY:
            standing = self._series(agencies, target, BASELINE_DAY)
            if standing:
                return standing[-1]
        firsts = [(f, None) for a in agencies if (f := self.ev.first(a, target)) is not None]
        pooled = sweep([([p], until) for p, until in firsts], _pooled(target.kind))
        return pooled[0] if pooled else None

    def rows(self, target: Target, cells: dict[tuple[str, str], CellRow]) -> dict[tuple[str, str], NationalRow]:
        """The task's national rows on the day, one per block, keyed (target id, block)."""
        ev = self.ev
        agencies = ev.applicable(target)
        by_block: dict[str, list[str]] = {}
        for a in agencies:
            by_block.setdefault(ev.agencies[a].kind.value, []).append(a)
        out = {}
        for block in blocks_of(set(by_block)):
            members = agencies if block == ALL else by_block[block]
            out[(target.id, block)] = self._row(target, block, members, cells)
        return out

    def _row(self, target: Target, block: str, members: list[str],
             cells: dict[tuple[str, str], CellRow]) -> NationalRow:
        ev = self.ev
        on = ev.on
        counts = {s: 0 for s in Status}
        reporting = 0
        member_cells = [cells[(a, target.id)] for a in members]
        for c in member_cells:
            counts[Status(c.status)] += 1
            if c.observed_at is not None and (on - c.observed_at).days <= REPORTING_INTERVAL_DAYS:
                reporting += 1
        reached = counts[Status.MET] + counts[Status.MET_LATE]
        n = len(members)
        if target.aggregation in (Aggregation.SHARE_DONE, Aggregation.SHARE_REACHED):
            fig: Fig | None = Ratio(reached, n) if n else None
            goal = Fraction(1) if target.scope is TargetScope.AGENCY else exact(target.target_value)
        else:
            points = self._series(members, target)
            fig = points[-1].fig if points else None
            goal = national_goal(target, n)
        value = numerator = denominator = completion = None
        if fig is not None:
            size = magnitude(fig)
            value = float(size)
            if isinstance(fig, Ratio):
                numerator, denominator = fig.num, fig.den
            completion = float(completion_of(size, goal, target.higher_is_better))
        if target.scope is TargetScope.NATIONAL:
            nf = self.figure(target)
            status, met_on, required = nf.status, nf.met_on, nf.required
        else:
            status, met_on = status_of_all(target, member_cells, reporting, on)
            required = None
        return NationalRow(
            target_id=target.id, block=block, value=value, numerator=numerator, denominator=denominator,
            completion=completion, status=status.value, met_on=met_on,
            required=None if required is None else float(required), agencies=n, reporting=reporting,
            met=counts[Status.MET], met_late=counts[Status.MET_LATE], on_track=counts[Status.ON_TRACK],
            at_risk=counts[Status.AT_RISK], overdue=counts[Status.OVERDUE], no_data=counts[Status.NO_DATA],
            untimed=counts[Status.UNTIMED], evaluated_on=on,
        )


def status_of_all(target: Target, cells: list[CellRow], reporting: int, on: date) -> tuple[Status, date | None]:
    """The national status of a task every agency must reach, from its agencies' cells:
    reached when all have (late when the last one was late); overdue once its deadline has
    come with any agency short; otherwise on track only when every agency not yet there is
    on track (``reporting``: how many reported within the interval)."""
    statuses = [Status(c.status) for c in cells]
    if cells and all(s in DONE for s in statuses):
        met_on = max(c.met_on for c in cells)
        late = target.deadline is not None and met_on > target.deadline
        return (Status.MET_LATE if late else Status.MET), met_on
    if target.deadline is None:
        return (Status.UNTIMED if reporting else Status.NO_DATA), None
    if on >= target.deadline:
        return Status.OVERDUE, None
    if not reporting:
        return Status.NO_DATA, None
    behind = any(s not in DONE and s is not Status.ON_TRACK for s in statuses)
    return (Status.AT_RISK if behind else Status.ON_TRACK), None
