"""The words for the scoring core's statuses: Vietnamese, as the scorer's CLI and the
report print them, and English, for the report in English."""

from __future__ import annotations

from shared.scoring.status import Status

STATUS_VI = {
    Status.MET: "đạt",
    Status.ON_TRACK: "đúng tiến độ",
    Status.AT_RISK: "có nguy cơ chậm",
    Status.OVERDUE: "quá hạn",
    Status.NO_DATA: "chưa có số liệu",
}

STATUS_EN = {
    Status.MET: "met",
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OVERDUE: "overdue",
    Status.NO_DATA: "no data",
}
