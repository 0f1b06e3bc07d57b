"""Projections of a fold: every figure on a day, or only what some new entries change."""

from __future__ import annotations

from datetime import date

from shared.domain.catalogue import Target, TargetScope
from shared.scoring.evaluation import Evaluator, reaches
from shared.scoring.figures import Fig
from shared.scoring.national import National
from shared.scoring.ranking import rank_scores
from shared.scoring.history import Fold
from shared.scoring.rows import Projections
from shared.scoring.world import DomainWorld, World, successors_chain


class TargetRetention:
    """What a digest keeps of each target's points, by the catalogue's targets and the
    registry's mergers."""

    def __init__(self, targets: dict[str, Target], world: World) -> None:
        self.targets = targets
        self.world = world
        self._through: dict[str, date | None] = {}

    def kept_through(self, agency_id: str) -> date | None:
        """The last day of a merger the agency is part of (as a predecessor or as the
        successor): its points up to that day are all kept, because the successor's pooled
        series can cross the target on any of them. None: no merger (or an agency the
        registry does not know)."""
        if agency_id not in self._through:
            try:
                agency = self.world.agency(agency_id)
            except KeyError:
                self._through[agency_id] = None
                return None
            ends = [self.world.agency(pid).valid_to for pid in agency.predecessors or ()]
            if agency.successor is not None:
                ends.append(agency.valid_to)
            self._through[agency_id] = max((d for d in ends if d is not None), default=None)
        return self._through[agency_id]

    def keeps_all(self, target_id: str) -> bool:
        """A national total keeps every point: its national series is walked across agencies."""
        target = self.targets.get(target_id)
        return target is not None and target.scope is TargetScope.NATIONAL

    def reaches(self, target_id: str, fig: Fig) -> bool:
        """Whether ``fig`` reaches the target (an unknown target is never reached)."""
        target = self.targets.get(target_id)
        return target is not None and reaches(target, fig)


class Projector:
    """Computes projections: all of them for a day, or only what some new entries change."""

    def __init__(self, world: World | None = None) -> None:
        self.world = world or DomainWorld()

    def evaluator(self, fold: Fold, on: date, upto: int | None = None) -> Evaluator:
        """An evaluator of ``fold`` on ``on`` as of ledger position ``upto`` (with its
        national figures attached)."""
        ev = Evaluator(fold, self.world, on, upto)
        National(ev)
        return ev

    def retention(self, day: date) -> TargetRetention:
        """What a digest evaluated up to ``day`` keeps (target values never change by
        revision, so any day's catalogue gives the same answers for them)."""
        return TargetRetention(self.world.targets_on(day), self.world)

    def full(self, fold: Fold, on: date, upto: int | None = None) -> Projections:
        """Every figure on ``on`` as of ledger position ``upto`` (None: all applied)."""
        ev = self.evaluator(fold, on, upto)
        proj = Projections(on)
        national_scope = []
        for target in ev.targets.values():
            for agency_id in ev.applicable(target):
                proj.cells[(agency_id, target.id)] = ev.cell(agency_id, target)
            national_scope.append(target)
        for target in national_scope:
            proj.national.update(ev.national.rows(target, proj.cells))
        exact = {a: ev.score(a, proj.cells) for a in ev.agencies}
        proj.scores = rank_scores(exact, {a: ev.agencies[a].kind.value for a in ev.agencies}, on)
        return proj

    def update(self, fold: Fold, current: Projections, changed: set[tuple[str, str]]) -> Projections:
        """``current`` (projections of ``fold`` on ``current.on`` before the entries that
        changed the agency × target keys ``changed``) brought up to date."""
        on = current.on
        ev = self.evaluator(fold, on)
        proj = current.copy()
        dirty_targets: dict[str, Target] = {}
        dirty_cells: set[tuple[str, str]] = set()
        for agency_id, target_id in changed:
            target = ev.targets.get(target_id)
            if target is None:
                continue
            try:
                affected = [agency_id, *successors_chain(self.world, agency_id)]
            except KeyError:
                continue  # an agency the registry does not know: nothing to project
            hit = False
            for a in affected:
                if a in ev.agencies and self.world.applies(target, a):
                    dirty_cells.add((a, target_id))
                    hit = True
            if hit:
                dirty_targets[target_id] = target
        for target in dirty_targets.values():
            if target.scope is TargetScope.NATIONAL:
                dirty_cells.update((a, target.id) for a in ev.applicable(target))
        for agency_id, target_id in dirty_cells:
            proj.cells[(agency_id, target_id)] = ev.cell(agency_id, ev.targets[target_id])
        for target in dirty_targets.values():
            for key in [k for k in proj.national if k[0] == target.id]:
                del proj.national[key]
            proj.national.update(ev.national.rows(target, proj.cells))
        dirty_agencies = {a for a, _ in dirty_cells}
        if dirty_agencies:
            kinds = {ev.agencies[a].kind.value for a in dirty_agencies}
            exact = {}
            for a, agency in ev.agencies.items():
                if agency.kind.value not in kinds:
                    continue
                stored = current.scores[a]
                exact[a] = ev.score(a, proj.cells) if a in dirty_agencies else (stored.score, stored.targets)
            proj.scores.update(rank_scores(exact, {a: ev.agencies[a].kind.value for a in exact}, on))
        return proj
