"""The report's one door into the scoring core (``shared.scoring``).

A report shows the scorer's numbers, never its own: values, completions, statuses,
national figures, scores and ranks all come from the same fold and projector the scorer
runs (``shared.scoring``), evaluated as of the report's ledger position. The report's
other modules take the core's types from here."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from shared.scoring.entries import entry_from_event
from shared.scoring.figures import MalformedEntry
from shared.scoring.history import Fold
from shared.scoring.projector import Projector
from shared.scoring.rows import CellRow, NationalRow, Projections, ScoreRow
from shared.scoring.status import Status

__all__ = ["CellRow", "Folding", "LedgerFigures", "NationalRow", "Projections", "ScoreRow", "Status"]

log = logging.getLogger("tiendo.report")


class Folding:
    """The scorer's fold, fed one recorded event at a time, already decoded: the report
    decodes each payload once, for the fold and for what it quotes of the event. An
    entry the scorer cannot read is skipped and counted, as ``scorer rebuild`` does."""

    def __init__(self) -> None:
        self.fold = Fold()
        self.malformed = 0

    def add(self, seq: int, agency_id: str, chain_pos: int, event: Any) -> None:
        """Fold the ledger entry ``seq`` whose payload decodes to ``event``."""
        try:
            self.fold.apply(entry_from_event(seq, agency_id, chain_pos, event))
        except MalformedEntry as exc:
            self.skip(seq, exc)

    def skip(self, seq: int, reason: object) -> None:
        """Count an entry left out of the fold (its payload cannot be read)."""
        self.malformed += 1
        log.warning("skipping ledger entry seq=%s: %s", seq, reason)


class LedgerFigures:
    """The scorer's figures for the ledger up to one position, on any day.

    ``fold`` holds the ledger entries at or below ``upto_seq``. Each day is evaluated
    once and kept."""

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
