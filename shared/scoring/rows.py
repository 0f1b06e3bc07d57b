"""The projection rows (one agency × target, one national figure, one agency's score), the
projections of one day, and the change that turns one day's stored rows into another's."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class CellRow:
    """agency_target_values: one agency × target on ``evaluated_on``."""

    agency_id: str
    target_id: str
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    status: str
    observed_at: date | None
    source_seq: int | None
    source_agency_id: str | None
    source_event_id: str | None
    rolled_up: bool
    required: float | None  # the completion the path required on observed_at, where it decided
    met_on: date | None  # the day the current run reaching the target began
    evaluated_on: date


@dataclass(frozen=True, slots=True)
class NationalRow:
    """national_figures: one task's figure for one block (ministry, province, all) on
    ``evaluated_on``; ``met`` + ``met_late`` of ``agencies`` have reached it."""

    target_id: str
    block: str
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    status: str
    met_on: date | None
    required: float | None
    agencies: int
    reporting: int
    met: int
    met_late: int
    on_track: int
    at_risk: int
    overdue: int
    no_data: int
    untimed: int
    evaluated_on: date


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """agency_scores: one agency's composite score and rank on ``evaluated_on``."""

    agency_id: str
    kind: str
    score: float
    rank: int
    peers: int
    targets: int
    evaluated_on: date


def row_dict(row) -> dict[str, Any]:
    """A row as a plain dict (column name → value)."""
    return {f.name: getattr(row, f.name) for f in fields(row)}


@dataclass
class Projections:
    """Everything the scorer projects for one day."""

    on: date
    cells: dict[tuple[str, str], CellRow] = field(default_factory=dict)
    national: dict[tuple[str, str], NationalRow] = field(default_factory=dict)  # (target id, block)
    scores: dict[str, ScoreRow] = field(default_factory=dict)

    def copy(self) -> Projections:
        """A copy whose row dicts can change without touching this one (rows are immutable)."""
        return Projections(self.on, dict(self.cells), dict(self.national), dict(self.scores))

    def as_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Table name → rows, sorted by key (what the projection tables hold)."""
        return {
            "agency_target_values": [row_dict(self.cells[k]) for k in sorted(self.cells)],
            "national_figures": [row_dict(self.national[k]) for k in sorted(self.national)],
            "agency_scores": [row_dict(self.scores[k]) for k in sorted(self.scores)],
        }


@dataclass(frozen=True)
class Change:
    """Rows to write and keys to delete, per table."""

    upserts: dict[str, list[Any]]
    deletes: dict[str, list[tuple]]

    def __bool__(self) -> bool:
        return any(self.upserts.values()) or any(self.deletes.values())


def diff(old: Projections | None, new: Projections) -> Change:
    """What turns the stored projections ``old`` into ``new``."""
    upserts: dict[str, list[Any]] = {}
    deletes: dict[str, list[tuple]] = {}
    for table, attr in (("agency_target_values", "cells"), ("national_figures", "national"), ("agency_scores", "scores")):
        before = getattr(old, attr) if old is not None else {}
        after = getattr(new, attr)
        upserts[table] = [row for k, row in after.items() if before.get(k) != row]
        deletes[table] = [k if isinstance(k, tuple) else (k,) for k in before if k not in after]
    return Change(upserts, deletes)


def projections_from_rows(rows: dict[str, list[dict[str, Any]]], on: date) -> Projections:
    """Stored projection rows (table name → row dicts) back as a Projections object."""
    proj = Projections(on)
    proj.cells = {(r["agency_id"], r["target_id"]): CellRow(**r) for r in rows["agency_target_values"]}
    proj.national = {(r["target_id"], r["block"]): NationalRow(**r) for r in rows["national_figures"]}
    proj.scores = {r["agency_id"]: ScoreRow(**r) for r in rows["agency_scores"]}
    return proj
