"""Snapshots: the projections of the days reports read, kept up to date by the scorer.

A report of a month, a quarter or the year reads its period's last day, the previous
period's last day and the month ends of its trend (at least six): all month ends. The
scorer keeps the projections of every month end of the open year and of the six months
before it (the trend of its first quarter), as far as today, so that `report build` and
`score … --as-of` on those days read stored rows, in number agencies × targets × days,
instead of folding the ledger.

New entries touch a snapshot only from the first day their agency × target changed on
(:meth:`~shared.scoring.digest.Digest.apply`): a figure of June leaves the snapshots of
January to May as they are; a late one or a correction re-evaluates exactly the month ends
from its day on. The re-evaluation is done when the scorer asks (all of them when it is idle, a day at a
time under a steady stream), so a stream of entries costs one evaluation per touched day
and round, not one per batch, and no batch waits for every day at once."""

from __future__ import annotations

from datetime import date

from shared.domain.temporal import month_end

from shared.scoring.digest import Digest, Key
from shared.scoring.projector import Projector
from shared.scoring.rows import Change, Projections, diff

TREND_MONTHS_BEFORE = 6  # a first quarter's trend reaches back into the year before


def open_year(today: date, projector: Projector) -> int:
    """The year reports are being written for: the year of the catalogue's last deadline,
    or this year if it is earlier."""
    last = max(t.deadline.year for t in projector.world.targets_on(today).values() if t.deadline is not None)
    return min(today.year, last)


def snapshot_days(today: date, projector: Projector) -> list[date]:
    """The month ends kept as snapshots on ``today``, oldest first (none after today)."""
    year = open_year(today, projector)
    days = [month_end(year - 1, m) for m in range(13 - TREND_MONTHS_BEFORE, 13)]
    days += [month_end(year, m) for m in range(1, 13)]
    return [d for d in days if d <= today]


class Snapshots:
    """The projections of each snapshot day, and the agency × target keys each has still
    to take in."""

    def __init__(self, projector: Projector, digest: Digest) -> None:
        self.projector = projector
        self.digest = digest
        self.days: dict[date, Projections] = {}
        self.dirty: dict[date, set[Key]] = {}

    def set_days(self, days: list[date], stored: dict[date, Projections] | None = None) -> set[date]:
        """Keep exactly ``days``: a day not held yet is taken from ``stored`` or evaluated
        afresh; days no longer kept are dropped. Returns the days evaluated afresh (to be
        written whole)."""
        stored = stored or {}
        fresh: set[date] = set()
        for day in list(self.days):
            if day not in days:
                del self.days[day]
                self.dirty.pop(day, None)
        for day in days:
            if day in self.days:
                continue
            if day in stored:
                self.days[day] = stored[day]
            else:
                self.days[day] = self.projector.full(self.digest, day)
                fresh.add(day)
        return fresh

    def touch(self, changed: dict[Key, date]) -> None:
        """Note the keys whose points changed from the given day on."""
        for day in self.days:
            keys = {k for k, first in changed.items() if first <= day}
            if keys:
                self.dirty.setdefault(day, set()).update(keys)

    def refresh(self, most: int | None = None) -> dict[date, Change]:
        """Re-evaluate touched snapshots (the ``most`` oldest, or all) for the keys that
        touched them; the changes to write."""
        changes: dict[date, Change] = {}
        for day in sorted(self.dirty)[:most]:
            keys = self.dirty.pop(day)
            before = self.days[day]
            after = self.projector.update(self.digest, before, keys)
            self.days[day] = after
            changes[day] = diff(before, after)
        return changes
