"""The Vietnamese words for the scoring core's statuses, as the scorer's CLI and the
report print them."""

from __future__ import annotations

from shared.scoring.status import Status

STATUS_VI = {
    Status.MET: "đạt",
    Status.ON_TRACK: "đúng tiến độ",
    Status.AT_RISK: "có nguy cơ chậm",
    Status.OVERDUE: "quá hạn",
    Status.NO_DATA: "chưa có số liệu",
}
