"""Report periods and the schedule of due reports."""

from datetime import date

import pytest

from services.report.period import Period, PeriodKind, due_periods, month_ends


@pytest.mark.parametrize("text, kind, start, end, previous", [
    ("2025-06", PeriodKind.MONTH, date(2025, 6, 1), date(2025, 6, 30), "2025-05"),
    ("2025-01", PeriodKind.MONTH, date(2025, 1, 1), date(2025, 1, 31), "2024-12"),
    ("2025-Q2", PeriodKind.QUARTER, date(2025, 4, 1), date(2025, 6, 30), "2025-Q1"),
    ("2025-q1", PeriodKind.QUARTER, date(2025, 1, 1), date(2025, 3, 31), "2024-Q4"),
    ("2025", PeriodKind.YEAR, date(2025, 1, 1), date(2025, 12, 31), "2024"),
    ("2024-02", PeriodKind.MONTH, date(2024, 2, 1), date(2024, 2, 29), "2024-01"),
])
def test_a_period_knows_its_days_and_its_predecessor(text, kind, start, end, previous):
    p = Period.parse(text)
    assert (p.kind, p.start, p.end, p.previous().code) == (kind, start, end, previous)
    assert Period.parse(p.code) == p


@pytest.mark.parametrize("text", ["2025-13", "2025-Q5", "25-06", "2025/06", "June", "2019"])
def test_a_bad_period_says_what_to_write(text):
    with pytest.raises(ValueError, match="2025-06|2020"):
        Period.parse(text)


def test_month_ends_run_back_across_a_year():
    assert month_ends(date(2025, 2, 28), 3) == [date(2024, 12, 31), date(2025, 1, 31), date(2025, 2, 28)]


def test_the_monthly_and_quarterly_reports_fall_due_the_day_after_their_period():
    since = Period.parse("2025-05")
    assert due_periods(date(2025, 6, 30), since) == [Period.parse("2025-05")]
    assert [p.code for p in due_periods(date(2025, 7, 1), since)] == ["2025-05", "2025-06", "2025-Q2"]
    assert [p.code for p in due_periods(date(2026, 1, 1), Period.parse("2025-11"))] == \
        ["2025-11", "2025-12", "2025-Q4", "2025"]
