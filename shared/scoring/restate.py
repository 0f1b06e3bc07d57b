"""An earlier day's projections restated on a later day's map of agencies, so that a
comparison between two periods shows progress, never a reorganisation.

A unit that a merger created after the earlier day takes, for each task, the roll-up of
its predecessors' cells on that day — Σ numerators ÷ Σ denominators, Σ counts, a
milestone done only when every predecessor's is: the scorer's own roll-up rule — and a
status that reaches the target when the rolled-up figure does (done on the day the last
predecessor did, or on the last figure's day when the sum reaches without each part),
otherwise its predecessors' furthest behind. Scores and ranks are
computed again among the later day's units, and national rows recount their agencies, so
"x/N cơ quan đạt" and a rank compare like with like."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction

from shared.domain.catalogue import Aggregation, Target, TargetKind, TargetScope
from shared.scoring.evaluation import completion_of, exact, magnitude
from shared.scoring.evaluation import composite_score
from shared.scoring.figures import Count, Fig, Milestone, Ratio
from shared.scoring.national import ALL, national_goal, status_of_all
from shared.scoring.ranking import rank_scores
from shared.scoring.rows import CellRow, NationalRow, Projections
from shared.scoring.status import DONE, REPORTING_INTERVAL_DAYS, Status
from shared.scoring.world import World

# The furthest behind first: the status a restated unit takes from its predecessors.
_BEHIND = (Status.OVERDUE, Status.AT_RISK, Status.NO_DATA, Status.ON_TRACK, Status.UNTIMED)


def restated(earlier: Projections, map_day: date, world: World) -> Projections:
    """``earlier`` (a day's projections) for the agencies that exist on ``map_day``."""
    on = earlier.on
    targets = world.targets_on(on)
    today = {a.id: a for a in world.agencies_on(map_day)}
    if set(today) == {a.id for a in world.agencies_on(on)}:
        return earlier
    cells: dict[tuple[str, str], CellRow] = {}
    for agency_id in today:
        for target in targets.values():
            if not world.applies(target, agency_id):
                continue
            cell = earlier.cells.get((agency_id, target.id))
            if cell is None:
                parts = [earlier.cells[(p, target.id)] for p in _then(world, agency_id, on)
                         if (p, target.id) in earlier.cells]
                cell = _rolled_up(agency_id, target, parts, on) if parts else None
            if cell is not None:
                cells[(agency_id, target.id)] = cell
    out = Projections(on, cells)
    for (target_id, block), row in earlier.national.items():
        target = targets[target_id]
        members = [c for (a, t), c in cells.items() if t == target_id and (block == ALL or today[a].kind.value == block)]
        out.national[(target_id, block)] = _recounted(row, target, members)
    exact_scores = {a: composite_score(a, targets, cells) for a in today}
    out.scores = rank_scores(exact_scores, {a: today[a].kind.value for a in today}, on)
    return out


def _then(world: World, agency_id: str, on: date) -> list[str]:
    """The units that existed on ``on`` and whose remit ``agency_id`` now carries."""
    out = []
    for pid in world.agency(agency_id).predecessors:
        predecessor = world.agency(pid)
        if predecessor.valid_from is None or predecessor.valid_from <= on:
            if predecessor.valid_to is None or predecessor.valid_to >= on:
                out.append(pid)
                continue
        out.extend(_then(world, pid, on))
    return out


def _fig(cell: CellRow, kind: TargetKind) -> Fig | None:
    if cell.value is None:
        return None
    if kind is TargetKind.RATIO:
        return Ratio(cell.numerator, cell.denominator)
    if kind is TargetKind.COUNT:
        return Count(int(cell.value))
    return Milestone(cell.value >= 1)


def _rolled_up(agency_id: str, target: Target, parts: list[CellRow], on: date) -> CellRow:
    figs = [f for c in parts if (f := _fig(c, target.kind)) is not None]
    fig: Fig | None = None
    if figs:
        if target.kind is TargetKind.RATIO:
            fig = Ratio(sum(f.num for f in figs), sum(f.den for f in figs))
        elif target.kind is TargetKind.COUNT:
            fig = Count(sum(f.n for f in figs))
        else:
            fig = Milestone(len(figs) == len(parts) and all(f.done for f in figs))
    completion = None if fig is None else completion_of(magnitude(fig), exact(target.target_value),
                                                        target.higher_is_better)
    statuses = [Status(c.status) for c in parts]
    observed = [c.observed_at for c in parts if c.observed_at is not None]
    met_on = None
    if completion is not None and completion >= 1:
        # Reached since the last part did, or since the last figure that made the sum reach.
        met_on = max(c.met_on for c in parts) if all(s in DONE for s in statuses) else max(observed)
        late = target.deadline is not None and met_on > target.deadline
        status = Status.MET_LATE if late else Status.MET
    else:
        status = next((s for s in _BEHIND if s in statuses), Status.NO_DATA)
    return CellRow(
        agency_id=agency_id, target_id=target.id, value=None if fig is None else float(magnitude(fig)),
        numerator=fig.num if isinstance(fig, Ratio) else None, denominator=fig.den if isinstance(fig, Ratio) else None,
        completion=None if completion is None else float(completion), status=status.value,
        observed_at=max(observed) if observed else None, source_seq=None, source_agency_id=None,
        source_event_id=None, rolled_up=True, required=None, met_on=met_on, evaluated_on=on,
    )


def _recounted(row: NationalRow, target: Target, cells: list[CellRow]) -> NationalRow:
    """A national row with its agencies counted on the new map (the pooled figure of a sum
    is the same over the same base units)."""
    on = row.evaluated_on
    counts = {s: 0 for s in Status}
    for c in cells:
        counts[Status(c.status)] += 1
    reporting = sum(1 for c in cells
                    if c.observed_at is not None and (on - c.observed_at).days <= REPORTING_INTERVAL_DAYS)
    n = len(cells)
    reached = counts[Status.MET] + counts[Status.MET_LATE]
    changes: dict = dict(agencies=n, reporting=reporting, met=counts[Status.MET], met_late=counts[Status.MET_LATE],
                         on_track=counts[Status.ON_TRACK], at_risk=counts[Status.AT_RISK],
                         overdue=counts[Status.OVERDUE], no_data=counts[Status.NO_DATA],
                         untimed=counts[Status.UNTIMED])
    if target.aggregation in (Aggregation.SHARE_DONE, Aggregation.SHARE_REACHED) and n:
        goal = Fraction(1) if target.scope is TargetScope.AGENCY else exact(target.target_value)
        share = Fraction(reached, n)
        changes.update(value=float(share), numerator=reached, denominator=n,
                       completion=float(completion_of(share, goal, target.higher_is_better)))
    elif target.kind is TargetKind.COUNT and row.value is not None:
        goal = national_goal(target, n)
        changes.update(completion=float(completion_of(Fraction(int(row.value)), goal, target.higher_is_better)))
    if target.scope is TargetScope.AGENCY:
        status, met_on = status_of_all(target, cells, reporting, on)
        changes.update(status=status.value, met_on=met_on)
    return replace(row, **changes)
