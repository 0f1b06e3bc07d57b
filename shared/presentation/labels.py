"""The words for the scoring core's statuses: Vietnamese, as the scorer's CLI and the
report print them, and English, for the report in English.

The Government's own wording (issue 16): hoàn thành đúng hạn, hoàn thành quá hạn (with the
days late), đang thực hiện trong hạn, chậm so với lộ trình, quá hạn chưa hoàn thành (on the
deadline day itself: đến hạn hôm nay), chưa báo cáo, and a task no source gives a deadline.

Keyed by the status codes as strings, so a ``Status`` member (a ``StrEnum``) and the code
read from a stored row look up the same label."""

from __future__ import annotations

from datetime import date

STATUS_VI = {
    "met": "Hoàn thành đúng hạn",
    "met_late": "Hoàn thành quá hạn",
    "on_track": "Đang thực hiện, trong hạn",
    "at_risk": "Chậm so với lộ trình",
    "overdue": "Quá hạn, chưa hoàn thành",
    "no_data": "Chưa báo cáo",
    "untimed": "Đang thực hiện (không có thời hạn)",
}

STATUS_EN = {
    "met": "Completed on time",
    "met_late": "Completed late",
    "on_track": "In progress, on track",
    "at_risk": "Behind the required path",
    "overdue": "Overdue, not completed",
    "no_data": "Not reported",
    "untimed": "In progress (no deadline)",
}

# The order statuses are counted and shown in: done first, then in progress, then late.
STATUS_ORDER = ("met", "met_late", "on_track", "untimed", "at_risk", "overdue", "no_data")

# A met task with no deadline was met neither on time nor late.
_MET_UNTIMED = {"vi": "Hoàn thành", "en": "Completed"}


def status_label(status: str, lang: str = "vi") -> str:
    """The status in words, as a table cell shows it ("Chậm so với lộ trình")."""
    return (STATUS_VI if lang == "vi" else STATUS_EN)[str(status)]


def status_detail(status: str, lang: str, deadline: date | None, on: date, met_on: date | None = None) -> str:
    """The status of one agency × task on ``on`` with what makes it precise: the days a
    met task was late ("Hoàn thành quá hạn 12 ngày"), the days an unmet one is overdue
    ("Quá hạn 365 ngày, chưa hoàn thành"; on the deadline day "Đến hạn hôm nay, chưa hoàn
    thành"), "Hoàn thành" for a met task that has no deadline."""
    status = str(status)
    vi = lang == "vi"
    if status == "met" and deadline is None:
        return _MET_UNTIMED[lang]
    if status == "met_late" and deadline is not None and met_on is not None:
        days = (met_on - deadline).days
        return f"Hoàn thành quá hạn {days} ngày" if vi else f"Completed {_days_en(days)} late"
    if status == "overdue" and deadline is not None:
        days = (on - deadline).days
        if days <= 0:
            return "Đến hạn hôm nay, chưa hoàn thành" if vi else "Due today, not completed"
        return f"Quá hạn {days} ngày, chưa hoàn thành" if vi else f"{_days_en(days)} overdue, not completed"
    return status_label(status, lang)


def _days_en(days: int) -> str:
    return "1 day" if days == 1 else f"{days:,} days"


BLOCK_VI = {"ministry": "Khối bộ, ngành", "province": "Khối địa phương", "all": "Toàn quốc"}
BLOCK_EN = {"ministry": "Ministries", "province": "Provinces", "all": "All agencies"}
# The order national rows are shown in: each block, then the total.
BLOCK_ORDER = ("ministry", "province", "all")
