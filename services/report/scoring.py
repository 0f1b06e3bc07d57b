"""The report's one door into the scorer's pure computations.

A report shows the scorer's numbers, never its own: values, completions, statuses,
national figures, scores and ranks all come from the scorer's fold, evaluated as of the
report's ledger position. Services do not import each other; until the pure fold moves to
``shared/`` this module is the only place that reaches into ``services.scorer``, so that
move changes the imports below and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.scorer.fold import STATUS_VI, CellRow, NationalRow, Projections, Projector, ScoreRow, Status
from services.scorer.replay import fold_entries

__all__ = ["STATUS_VI", "CellRow", "LedgerFigures", "NationalRow", "Projections", "ScoreRow", "Status"]


class LedgerFigures:
    """The scorer's figures for the ledger up to one position, on any day.

    ``entries`` are ledger rows (anything with seq, agency_id, chain_pos and payload),
    all at or below ``upto_seq``. Each day is evaluated once and kept."""

    def __init__(self, entries: Iterable, upto_seq: int, projector: Projector | None = None) -> None:
        self.upto_seq = upto_seq
        self._fold = fold_entries(entries).fold
        self._projector = projector or Projector()
        self._days: dict[date, Projections] = {}

    def on(self, day: date) -> Projections:
        """Every agency × target figure, national figure and score on ``day``."""
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self._projector.full(self._fold, day, self.upto_seq)
        return found
