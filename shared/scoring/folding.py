"""The one loop that folds recorded ledger entries: for `scorer rebuild`, the as-of
queries that cannot read a snapshot, and a report's audit path (`report verify`, or a
build whose cut-off no snapshot reflects)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared.scoring.entries import NotScored, entry_from_payload
from shared.scoring.figures import MalformedEntry
from shared.scoring.history import Fold

log = logging.getLogger("tiendo.scoring")


@dataclass
class FoldResult:
    """A fold of ledger entries, how many were read, and the seqs of those left out of the
    fold: unreadable ones and ``unscored`` ones (explanations, which hold no figure)."""

    fold: Fold
    entries: int
    skipped: list[int] = field(default_factory=list)
    unscored: int = 0

    @property
    def malformed(self) -> int:
        """How many entries were left out of the fold as unreadable."""
        return len(self.skipped) - self.unscored


def fold_ledger(rows: Iterable, on_entry: Callable[[int], None] = lambda n: None) -> FoldResult:
    """Fold recorded ledger entries (anything with ``seq``, ``agency_id``, ``chain_pos`` and
    ``payload``, the event's JSON as recorded). An entry the scorer cannot read is skipped,
    logged and counted."""
    fold = Fold()
    n = 0
    skipped: list[int] = []
    unscored = 0
    for stored in rows:
        n += 1
        try:
            fold.apply(entry_from_payload(stored.seq, stored.agency_id, stored.chain_pos, stored.payload))
        except NotScored:
            skipped.append(stored.seq)
            unscored += 1
        except MalformedEntry as exc:
            skipped.append(stored.seq)
            log.warning("skipping ledger entry seq=%s: %s", stored.seq, exc)
        on_entry(1)
    return FoldResult(fold, n, skipped, unscored)
