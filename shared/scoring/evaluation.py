"""Figures, completions and statuses of agency × task cells on one day, as of one ledger
position; the national rows are in :mod:`shared.scoring.national`."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from functools import lru_cache
from weakref import WeakKeyDictionary

from shared.domain.catalogue import Target, TargetKind, TargetScope
from shared.scoring.figures import Count, Fig, Milestone, Ratio
from shared.scoring.history import Fold, Point, point_day
from shared.scoring.rows import CellRow
from shared.scoring.status import BASELINE_DAY, REPORTING_INTERVAL_DAYS, Status
from shared.scoring.sweep import Totals, sweep, sweep_tail
from shared.scoring.world import World

_KIND_OF_FIG = {Ratio: TargetKind.RATIO, Count: TargetKind.COUNT, Milestone: TargetKind.MILESTONE}
# Per fold: (its size when filled, (agency, target, upto, last merger) -> rolled-up series before it).
_BEFORE_MERGER: WeakKeyDictionary = WeakKeyDictionary()


@lru_cache(maxsize=1024)  # a few target values, converted for every cell of every batch
def exact(x: int | float) -> Fraction:
    """A catalogue number as an exact fraction (0.8 is 4/5, not the nearest double)."""
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def fig_kind(fig: Fig) -> TargetKind:
    """The kind of target a figure measures."""
    return _KIND_OF_FIG[type(fig)]


def magnitude(fig: Fig) -> Fraction:
    """A figure as one number: a ratio's share, a count, a milestone's 1 or 0."""
    if isinstance(fig, Ratio):
        return Fraction(fig.num, fig.den)
    if isinstance(fig, Count):
        return Fraction(fig.n)
    return Fraction(1 if fig.done else 0)


def completion_of(value: Fraction, target_value: Fraction, higher_is_better: bool = True) -> Fraction:
    """min(1, value ÷ target) (or target ÷ value for a lower-is-better target)."""
    if higher_is_better:
        raw = value / target_value
    else:
        raw = Fraction(1) if value == 0 else target_value / value
    return min(Fraction(1), raw)


def reaches(target: Target, fig: Fig, goal: Fraction | None = None) -> bool:
    """Whether ``fig`` reaches the target (``goal`` replacing its value, for a national total)."""
    if fig_kind(fig) is not target.kind:
        return False
    tv = exact(target.target_value) if goal is None else goal
    if not target.higher_is_better:
        return completion_of(magnitude(fig), tv, False) >= 1
    # In integers: asked for every point of a run, Fraction arithmetic was most of the cost.
    p, q = tv.numerator, tv.denominator
    if isinstance(fig, Ratio):
        return fig.num * q >= p * fig.den
    if isinstance(fig, Count):
        return fig.n * q >= p
    return fig.done or p <= 0


def run_start(points: list[Point], target: Target, goal: Fraction | None = None) -> date | None:
    """The day the current run of figures reaching the target began (None: the last point
    does not reach it). ``points`` are one series of the target's kind, oldest first."""
    start = None
    for p in reversed(points):
        if not reaches(target, p.fig, goal):
            break
        start = p.on
    return start


def required_completion(baseline: Point, target: Target, day: date, goal: Fraction | None = None) -> Fraction:
    """The completion the path (lộ trình) requires on ``day``: a straight line from the
    baseline's completion on its day to 1 on the deadline."""
    tv = exact(target.target_value) if goal is None else goal
    start = completion_of(magnitude(baseline.fig), tv, target.higher_is_better)
    span = (target.deadline - baseline.on).days
    if span <= 0:
        return Fraction(1)
    elapsed = min(max((day - baseline.on).days, 0), span)
    return start + (1 - start) * Fraction(elapsed, span)


def judge(last: Point | None, target: Target, on: date, *, baseline: Callable[[], Point | None],
          met_on: date | None, goal: Fraction | None = None) -> tuple[Status, Fraction | None]:
    """The status on ``on`` of a series whose latest figure (on or before ``on``) is
    ``last``, and the completion its path requires on that figure's day where the path
    decided. ``met_on``: the day the current run reaching the target began; ``baseline()``:
    the series' figure on the baseline day, or its first (asked only when the path
    decides); ``goal`` replaces the target value (a national total)."""
    deadline = target.deadline
    if last is not None and met_on is not None:
        return (Status.MET if deadline is None or met_on <= deadline else Status.MET_LATE), None
    stale = last is None or (on - last.on).days > REPORTING_INTERVAL_DAYS
    if deadline is None:
        return (Status.NO_DATA if stale else Status.UNTIMED), None
    if on >= deadline:
        return Status.OVERDUE, None
    if stale:
        return Status.NO_DATA, None
    start = None if target.kind is TargetKind.MILESTONE else baseline()
    if start is None:
        return Status.ON_TRACK, None
    tv = exact(target.target_value) if goal is None else goal
    required = required_completion(start, target, last.on, goal)
    done = completion_of(magnitude(last.fig), tv, target.higher_is_better)
    return (Status.ON_TRACK if done >= required else Status.AT_RISK), required


def roll_up(kind: TargetKind, merged: list[tuple[str, date]]):
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
        self._tails: dict[tuple[str, str, date], list[Point]] = {}
        self._firsts: dict[tuple[str, str], Point | None] = {}
        self._mergers: dict[str, list[tuple[str, date]]] = {}
        self.national = None  # set by shared.scoring.national.National for national-scope cells

    # -- series ---------------------------------------------------------------------------
    def applicable(self, target: Target) -> list[str]:
        """Agencies existing on the day that the target applies to, in registry order."""
        return [a for a in self.agencies if self.world.applies(target, a)]

    def _own(self, agency_id: str, target: Target) -> list[Point]:
        points = self.fold.points(agency_id, target.id, self.upto)
        return points[:bisect.bisect_right(points, self.on, key=point_day)]

    def timeline(self, agency_id: str, target: Target) -> list[Point]:
        """The agency's series for the target up to the day, predecessors rolled up."""
        key = (agency_id, target.id)
        cached = self._timelines.get(key)
        if cached is not None:
            return cached
        kind = target.kind
        own = [p for p in self._own(agency_id, target) if fig_kind(p.fig) is kind]
        result = self._with_predecessors(agency_id, target, own, self.timeline, sweep)
        self._timelines[key] = result
        return result

    def tail(self, agency_id: str, target: Target, day: date | None = None) -> list[Point]:
        """The last two points of :meth:`timeline` on or before ``day`` (default: the
        evaluation day), all a figure depends on, found without building the series: the
        cost of a figure does not grow with the history behind it."""
        day = self.on if day is None else day
        key = (agency_id, target.id, day)
        cached = self._tails.get(key)
        if cached is not None:
            return cached
        kind = target.kind
        points = self.fold.points(agency_id, target.id, self.upto)
        own: list[Point] = []
        j = bisect.bisect_right(points, day, key=point_day)
        while j and len(own) < 2:
            j -= 1
            if fig_kind(points[j].fig) is kind:
                own.insert(0, points[j])
        result = self._with_predecessors(agency_id, target, own, lambda a, t: self.tail(a, t, day), sweep_tail)
        self._tails[key] = result
        return result

    def first(self, agency_id: str, target: Target) -> Point | None:
        """The first point of :meth:`timeline` (None: nothing reported by the day)."""
        key = (agency_id, target.id)
        if key in self._firsts:
            return self._firsts[key]
        kind = target.kind
        own = next(([p] for p in self._own(agency_id, target) if fig_kind(p.fig) is kind), [])
        firsts = self._with_predecessors(agency_id, target, own, lambda a, t: [f] if (f := self.first(a, t)) else [],
                                         sweep)
        # A predecessor's first point may come after another's: the series starts at the earliest.
        result = firsts[0] if firsts else None
        self._firsts[key] = result
        return result

    def baseline(self, agency_id: str, target: Target) -> Point | None:
        """Where the agency's path starts: its figure on the baseline day, else its first."""
        standing = self.tail(agency_id, target, BASELINE_DAY) if self.on >= BASELINE_DAY else []
        return standing[-1] if standing else self.first(agency_id, target)

    def met_on(self, agency_id: str, target: Target) -> date | None:
        """The day the agency's current run of figures reaching the target began."""
        last = self.tail(agency_id, target)
        if not last or not reaches(target, last[-1].fig):
            return None
        own = [p for p in self._own(agency_id, target) if fig_kind(p.fig) is target.kind]
        merged = self._merged(agency_id)
        if not merged:
            return run_start(own, target)
        last_merger = max(until for _, until in merged)
        after = [p for p in own if p.on > last_merger]
        start = run_start(after, target)
        if start is not None and start > after[0].on:
            return start  # the run began among the successor's own figures
        # It reaches back into the rolled-up history before the merger.
        earlier = run_start(self._before_merger(agency_id, target, last_merger), target)
        return earlier if earlier is not None else start

    def _before_merger(self, agency_id: str, target: Target, last_merger: date) -> list[Point]:
        """The agency's rolled-up series up to its last merger. The same on every day after
        it, so kept per fold (while the fold takes in no entry) for the evaluators of the
        other days: sweeping predecessors' whole histories on each day was most of a rebuild."""
        size, kept = _BEFORE_MERGER.get(self.fold, (None, None))
        if size != len(self.fold):
            kept = {}
            _BEFORE_MERGER[self.fold] = (len(self.fold), kept)
        key = (agency_id, target.id, self.upto, last_merger)
        found = kept.get(key)
        if found is None:
            found = kept[key] = [p for p in self.timeline(agency_id, target) if p.on <= last_merger]
        return found

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
        return [own_on[p.on] if p.on > last_merger else p for p in sweeper(series, roll_up(target.kind, merged))]

    def _merged(self, agency_id: str) -> list[tuple[str, date]]:
        """The agency's predecessors that had ended by the day, with their last days."""
        merged = self._mergers.get(agency_id)
        if merged is None:
            merged = self._mergers[agency_id] = []
            for pid in self.world.agency(agency_id).predecessors:
                until = self.world.agency(pid).valid_to
                if until is not None and until < self.on:
                    merged.append((pid, until))
        return merged

    # -- rows -----------------------------------------------------------------------------
    def cell(self, agency_id: str, target: Target) -> CellRow:
        """The agency × task row on the day: value, completion, status, source."""
        points = self.tail(agency_id, target)
        last = points[-1] if points else None
        tv = exact(target.target_value)
        value = numerator = denominator = completion = None
        if last is not None:
            size = magnitude(last.fig)
            value = float(size)
            if isinstance(last.fig, Ratio):
                numerator, denominator = last.fig.num, last.fig.den
            completion = float(completion_of(size, tv, target.higher_is_better))
        if target.scope is TargetScope.NATIONAL:
            # The target value is a national total: the agency's status is the nation's.
            national = self.national.figure(target)
            stale = last is None or (self.on - last.on).days > REPORTING_INTERVAL_DAYS
            status, met_on, required = national.status, national.met_on, None
            if stale and status in (Status.ON_TRACK, Status.AT_RISK, Status.UNTIMED):
                status = Status.NO_DATA
        else:
            met_on = self.met_on(agency_id, target)
            status, required = judge(last, target, self.on, baseline=lambda: self.baseline(agency_id, target),
                                     met_on=met_on)
        return CellRow(
            agency_id=agency_id, target_id=target.id, value=value, numerator=numerator, denominator=denominator,
            completion=completion, status=status.value, observed_at=last.on if last else None,
            source_seq=last.seq if last else None, source_agency_id=last.agency_id if last else None,
            source_event_id=last.event_id if last else None, rolled_up=bool(last and last.rolled_up),
            required=None if required is None else float(required), met_on=met_on, evaluated_on=self.on,
        )

    def score(self, agency_id: str, cells) -> tuple[float, int]:
        """Tiến độ's composite score of the agency (see :func:`composite_score`)."""
        return composite_score(agency_id, self.targets, cells)


def composite_score(agency_id: str, targets: dict[str, Target], cells) -> tuple[float, int]:
    """Tiến độ's composite score (0..100) of an agency and the number of tasks it covers:
    the weighted mean of its completions over the agency-scope tasks that have a cell.
    Computed exactly from the stored completions, so it depends on the cells alone."""
    total_w = Fraction(0)
    acc = Fraction(0)
    n = 0
    for target_id in sorted(targets):
        target = targets[target_id]
        if target.scope is not TargetScope.AGENCY:
            continue
        cell = cells.get((agency_id, target_id))
        if cell is None:
            continue
        w = exact(target.weight)
        total_w += w
        n += 1
        if cell.completion is not None:
            acc += w * Fraction(cell.completion)
    return (0.0 if total_w == 0 else float(100 * acc / total_w)), n
