"""The report's one door into the scoring core (``shared.scoring``).

A report shows the scorer's numbers, never its own: values, completions, statuses,
national figures, scores and ranks all come from the same fold and projector the scorer
runs (``shared.scoring``), as of the report's ledger position: read from the scorer's
snapshots when they reflect exactly that position, or folded from the ledger (the audit
path of `report verify`). The report's other modules take the core's types from here."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from shared.scoring.history import Fold
from shared.scoring.projector import Projector
from shared.scoring.restate import restated
from shared.scoring.rows import CellRow, NationalRow, Projections, ScoreRow
from shared.scoring.status import Status
from shared.scoring.world import DomainWorld

__all__ = ["CellRow", "Figures", "LedgerFigures", "NationalRow", "Projections", "ScoreRow", "SnapshotFigures",
           "Status", "on_the_map_of"]

_WORLD = DomainWorld()


def on_the_map_of(earlier: Projections, day: date) -> Projections:
    """``earlier`` restated for the agencies that exist on ``day`` (predecessors rolled up),
    so a comparison across a reorganisation shows progress, never the merger."""
    return restated(earlier, day, _WORLD)


class Figures(Protocol):
    """The scorer's figures for the ledger up to one position, on a day."""

    upto_seq: int

    def on(self, day: date) -> Projections:
        """Every agency × target figure, national figure and score on ``day``."""


class LedgerFigures:
    """Figures folded from the ledger: ``fold`` holds the entries at or below ``upto_seq``.
    Each day is evaluated once and kept."""

    def __init__(self, fold: Fold, upto_seq: int, projector: Projector | None = None) -> None:
        self.upto_seq = upto_seq
        self._fold = fold
        self._projector = projector or Projector()
        self._days: dict[date, Projections] = {}

    def on(self, day: date) -> Projections:
        """Every agency × target figure, national figure and score on ``day``."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self._projector.full(self._fold, day, self.upto_seq)
        return found


class SnapshotFigures:
    """Figures read from the scorer's snapshots of the days a report needs (all of them
    reflecting exactly the ledger up to ``upto_seq``)."""

    def __init__(self, days: dict[date, Projections], upto_seq: int) -> None:
        self.upto_seq = upto_seq
        self._days = days

    def on(self, day: date) -> Projections:
        """Every agency × target figure, national figure and score on ``day``."""
        return self._days[day]
