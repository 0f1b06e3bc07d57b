"""The statuses of an agency × task (or of a national figure), and the constants of their
rules (the rules themselves are in :func:`shared.scoring.evaluation.judge`). They are the
Government Office's: a task is done on time or late, in progress on or behind its path
(lộ trình), overdue, or not reported."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

REPORTING_INTERVAL_DAYS = 35  # monthly reporting + 5 days' grace; an older latest figure is no data
BASELINE_DAY = date(2024, 12, 31)
"""The day of the baseline a path starts from: the 2024 results the Committee reviewed at
its session of 06/02/2025 (seed 000). An agency without a figure by then starts from its
first figure."""


class Status(StrEnum):
    """The status of an agency × task (or of a national figure) on a day."""

    MET = "met"
    """Hoàn thành đúng hạn: the figure reaches the target and has since a day on or before
    the deadline (or the task has no deadline)."""
    MET_LATE = "met_late"
    """Hoàn thành quá hạn: the figure reaches the target, having reached it (this time)
    only after the deadline; the days late are ``met_on - deadline``."""
    ON_TRACK = "on_track"
    """Đang thực hiện, trong hạn: before the deadline, on or above the path."""
    AT_RISK = "at_risk"
    """Chậm so với lộ trình: before the deadline, below the path."""
    OVERDUE = "overdue"
    """Quá hạn, chưa hoàn thành: on or after the deadline day, not reached."""
    NO_DATA = "no_data"
    """Chưa báo cáo: nothing observed in the reporting interval."""
    UNTIMED = "untimed"
    """Đang thực hiện, không có thời hạn: a task no source gives a deadline, not reached."""


DONE = frozenset({Status.MET, Status.MET_LATE})
"""The statuses of a task whose figure reaches its target."""
