"""Deadline warnings: the threshold a day has reached, and the warnings cells call for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.domain.catalogue import Target
from shared.scoring.rows import CellRow
from shared.scoring.status import DONE, Status

ALERT_THRESHOLDS = (30, 7, 1)
OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class AlertDue:
    """A deadline warning due on ``evaluated_on``."""

    agency_id: str
    target_id: str
    threshold: str
    deadline: date
    evaluated_on: date
    status: str
    completion: float | None

    @property
    def alert_id(self) -> str:
        """The alert's id: agency, target and threshold, colon-separated."""
        return f"{self.agency_id}:{self.target_id}:{self.threshold}"

    @property
    def key(self) -> tuple[str, str, str]:
        """The store's key: one alert per agency, target and threshold."""
        return (self.agency_id, self.target_id, self.threshold)


def alert_threshold(deadline: date, on: date) -> str | None:
    """The tightest warning threshold reached on ``on`` ("30d", "7d", "1d", "overdue")."""
    days_left = (deadline - on).days
    if days_left < 0:
        return OVERDUE
    reached = [t for t in ALERT_THRESHOLDS if days_left <= t]
    return f"{min(reached)}d" if reached else None


def alerts_due(cells: Iterable[CellRow], targets: dict[str, Target]) -> list[AlertDue]:
    """The warnings the given cells call for on their evaluation day (none for a task
    done, or one no source gives a deadline)."""
    out = []
    for c in cells:
        if Status(c.status) in DONE:
            continue
        target = targets.get(c.target_id)
        if target is None or target.deadline is None:
            continue
        threshold = alert_threshold(target.deadline, c.evaluated_on)
        if threshold is not None:
            out.append(AlertDue(c.agency_id, c.target_id, threshold, target.deadline, c.evaluated_on,
                                c.status, c.completion))
    return out
