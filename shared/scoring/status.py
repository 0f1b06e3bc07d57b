"""The statuses of an agency × target (or of a national figure), and the rules' thresholds
in days (the rules themselves are in :func:`shared.scoring.evaluation.judge`)."""

from __future__ import annotations

from enum import StrEnum

REPORTING_INTERVAL_DAYS = 35  # monthly reporting + 5 days' grace; an older latest figure is no data
MILESTONE_AT_RISK_DAYS = 30  # a milestone not done this close to its deadline is at risk


class Status(StrEnum):
    """The status of an agency × target (or of a national figure) on a day."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    NO_DATA = "no_data"
