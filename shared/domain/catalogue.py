"""The 2025 target catalogue: what each agency must reach, by when, and how it adds up.

Data lives in ``data/targets.yaml``. Each target cites the seed documents that set it and,
where one is known, the legal document (``basis``). Targets change by revision events with an
effective day; :func:`catalogue_on` is the catalogue as it stood on a day. A target no source
gives a deadline has none (``deadline`` is None): it is tracked, never scored against a date.
Pure; read once, lazily.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from shared.domain.agencies import Agency, get_agency, predecessors_of
from shared.domain.data import load


class TargetKind(StrEnum):
    """The shape of a target's figure."""

    RATIO = "ratio"
    COUNT = "count"
    MILESTONE = "milestone"


class Aggregation(StrEnum):
    """How agencies' figures make the national figure."""

    SUM_RATIO = "sum_ratio"
    """Σ numerators ÷ Σ denominators; never an average of percentages."""
    SUM_COUNT = "sum_count"
    """Σ counts."""
    SHARE_DONE = "share_done"
    """Share of applicable agencies that are done."""
    SHARE_REACHED = "share_reached"
    """Share of applicable agencies whose count reached ``target_value`` ("x/N tỉnh đạt");
    for a count each agency must reach on its own, where a Σ of counts would mix agencies
    far beyond the target with agencies far below it."""


class TargetScope(StrEnum):
    """Whom ``target_value`` binds."""

    AGENCY = "agency"
    """Every applicable agency must reach target_value on its own."""
    NATIONAL = "national"
    """target_value is for the national total; agencies contribute their share."""


AGGREGATIONS_FOR_KIND = {
    TargetKind.RATIO: frozenset({Aggregation.SUM_RATIO}),
    TargetKind.COUNT: frozenset({Aggregation.SUM_COUNT, Aggregation.SHARE_REACHED}),
    TargetKind.MILESTONE: frozenset({Aggregation.SHARE_DONE}),
}
"""The aggregations each kind of target may use."""

_UNREVISABLE = frozenset({"id", "kind", "aggregation", "seeds", "target_value"})
"""Fields no revision may change. A new target value is a new indicator with its own id
(e.g. 80 % of online services and 100 % of eligible procedures are two targets), so a
figure is always read against the value its agency was asked to reach."""


class Target(BaseModel):
    """One 2025 target as it stood on some day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name_vi: str
    name_en: str
    unit: str
    unit_en: str
    kind: TargetKind
    target_value: int | float
    deadline: date | None
    """None: no source gives a deadline; the task is tracked without being scored against a date."""
    applies_to: frozenset[str] = Field(min_length=1)
    aggregation: Aggregation
    scope: TargetScope
    weight: float = Field(gt=0)
    seeds: tuple[str, ...] = Field(min_length=1)
    basis: str | None = None
    """The legal document that sets the target (e.g. "Thông báo 56/TB-VPCP ngày 23/02/2025");
    None where the seeds name none."""
    higher_is_better: bool = True
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        allowed = AGGREGATIONS_FOR_KIND[self.kind]
        if self.aggregation not in allowed:
            raise ValueError(f"{self.id}: a {self.kind} target aggregates by one of {sorted(allowed)}")
        if self.aggregation is Aggregation.SHARE_REACHED and self.scope is not TargetScope.AGENCY:
            # Reaching the target is a per-agency notion; a national total has no share of agencies.
            raise ValueError(f"{self.id}: share_reached needs scope agency")
        value = self.target_value
        fits = {
            TargetKind.RATIO: 0 < value <= 1,
            TargetKind.COUNT: isinstance(value, int) and value > 0,
            TargetKind.MILESTONE: value == 1,
        }[self.kind]
        if not fits:
            raise ValueError(f"{self.id}: {value!r} is not a target value for a {self.kind} target")
        return self

    @field_serializer("applies_to")
    def _sorted_applies_to(self, applies_to: frozenset[str]) -> list[str]:
        # A set has no order; sorting keeps JSON output identical from run to run.
        return sorted(applies_to)


class TargetRevision(BaseModel):
    """A decision that changed a target from its ``effective`` day on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_id: str
    effective: date
    changes: dict[str, Any] = Field(min_length=1)
    seed: str | None = None
    source: str | None = None
    note: str

    @model_validator(mode="after")
    def _cited(self) -> TargetRevision:
        if self.seed is None and self.source is None:
            raise ValueError(f"revision of {self.target_id} on {self.effective} cites no seed or source")
        unchangeable = set(self.changes) & _UNREVISABLE
        if unchangeable:
            raise ValueError(f"revision of {self.target_id} may not change {sorted(unchangeable)}")
        return self


class SeedDocument(BaseModel):
    """A source document in ``shared/seeds/`` that targets cite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    published: date
    source: str
    title: str
    event: str


class _CatalogueFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seeds: dict[str, SeedDocument]
    targets: tuple[Target, ...] = Field(min_length=1)
    revisions: tuple[TargetRevision, ...] = ()


def _revise(target: Target, revision: TargetRevision) -> Target:
    seeds = target.seeds if revision.seed in (None, *target.seeds) else (*target.seeds, revision.seed)
    # Re-validated, not model_copy'd: a revision must leave a consistent target behind.
    return Target.model_validate({**target.model_dump(), **revision.changes, "seeds": seeds})


@cache
def _file() -> _CatalogueFile:
    data = _CatalogueFile.model_validate(load("targets.yaml"))
    ids = [target.id for target in data.targets]
    if len(set(ids)) != len(ids):
        raise ValueError("targets.yaml: duplicate target id")
    cited = {seed for target in data.targets for seed in target.seeds}
    cited |= {revision.seed for revision in data.revisions if revision.seed}
    if not cited <= set(data.seeds):
        raise ValueError(f"targets.yaml: unknown seeds {sorted(cited - set(data.seeds))}")
    if {revision.target_id for revision in data.revisions} - set(ids):
        raise ValueError("targets.yaml: a revision names an unknown target")
    return data


def target_revisions() -> tuple[TargetRevision, ...]:
    """Every revision in the catalogue, in the order they take effect."""
    return tuple(sorted(_file().revisions, key=lambda revision: revision.effective))


def seed_documents() -> dict[str, SeedDocument]:
    """The source documents the catalogue cites, by seed id (``"000"`` …)."""
    return dict(_file().seeds)


def all_target_ids() -> tuple[str, ...]:
    """Every target id, in catalogue order."""
    return tuple(target.id for target in _file().targets)


def catalogue_on(day: date) -> dict[str, Target]:
    """The catalogue as it stood on ``day``: revisions effective on or before ``day`` applied.

    Every target is present on every day (a figure may be reported against a target before
    it was announced, e.g. a 2024 baseline); only its terms change.
    """
    targets = {target.id: target for target in _file().targets}
    for revision in target_revisions():
        if revision.effective <= day:
            targets[revision.target_id] = _revise(targets[revision.target_id], revision)
    return targets


def target_applies_to(target: Target, agency: Agency | str) -> bool:
    """Whether ``target`` binds ``agency`` (an :class:`Agency` or its id).

    It does when the agency's kind is listed, or the agency itself, or any agency merged
    into it (a target set for a ministry follows its remit into the merged ministry).
    """
    agency = get_agency(agency) if isinstance(agency, str) else agency
    if agency.kind.value in target.applies_to:
        return True
    lineage = {agency.id, *predecessors_of(agency.id, transitive=True)}
    return not lineage.isdisjoint(target.applies_to)
