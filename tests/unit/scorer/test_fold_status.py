"""Every status of design.md §4 on hand-written ledgers (the rules are in shared/scoring/__init__.py's docstring)."""

from fractions import Fraction

import pytest

from shared.scoring.evaluation import completion_of
from shared.scoring.status import REPORTING_INTERVAL_DAYS

from .builders import Ledger

HN = "ha-noi"
RATE = "online_dossier_rate"  # ratio, 80 %, 31/12/2025, ministries and provinces
CIVIL = "civil_registry_digitised"  # ratio, 100 %, 31/03/2025, provinces
PLAN = "r57_plan_issued"  # milestone, 28/02/2025
INDICATORS = "direction_indicators"  # milestone, 31/05/2025


def test_met_when_the_latest_figure_reaches_the_target():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 85, 100)
    c = lg.cell(HN, RATE, "2025-03-10")
    assert (c.status, c.value, c.completion, c.numerator, c.denominator) == ("met", 0.85, 1.0, 85, 100)


def test_met_stays_met_after_the_reporting_interval_and_the_deadline():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 85, 100)
    assert lg.cell(HN, RATE, "2026-06-01").status == "met"


def test_overdue_after_the_deadline_when_not_met():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-03-20", 90, 100)
    assert lg.cell(HN, CIVIL, "2025-03-31").status != "overdue"  # the deadline day itself is not past it
    c = lg.cell(HN, CIVIL, "2025-04-01")
    assert (c.status, c.completion) == ("overdue", 0.9)


def test_overdue_even_without_any_figure():
    assert Ledger().cell(HN, CIVIL, "2025-04-01").status == "overdue"


def test_no_data_when_nothing_was_ever_reported():
    c = Ledger().cell(HN, RATE, "2025-03-01")
    assert (c.status, c.value, c.completion, c.observed_at, c.source_seq) == ("no_data", None, None, None, None)


def test_no_data_after_the_35_day_reporting_interval():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 50, 100)
    assert REPORTING_INTERVAL_DAYS == 35
    assert lg.cell(HN, RATE, "2025-04-05").status == "at_risk"  # 35 days: still within the interval
    stale = lg.cell(HN, RATE, "2025-04-06")  # 36 days
    assert (stale.status, stale.value) == ("no_data", 0.5)  # the last value is still shown


def test_on_track_when_the_trend_of_the_last_two_figures_reaches_the_target():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-01", 40, 100)
    lg.ratio(HN, RATE, "2025-03-01", 50, 100)
    c = lg.cell(HN, RATE, "2025-03-05")
    # +10 points in 59 days, 305 days to 31/12: 50 + 10·305/59 = 101.7 % of dossiers ≥ 80 %.
    assert c.status == "on_track"
    expected = (Fraction(50, 100) + Fraction(10, 100) * 305 / 59) / Fraction(4, 5)
    assert c.projected == float(expected)


def test_at_risk_when_the_trend_misses_the_target():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-01", 40, 100)
    lg.ratio(HN, RATE, "2025-03-01", 41, 100)
    c = lg.cell(HN, RATE, "2025-03-05")
    assert c.status == "at_risk" and c.projected < 1


def test_at_risk_when_the_figure_falls():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-01", 70, 100)
    lg.ratio(HN, RATE, "2025-03-01", 60, 100)
    assert lg.cell(HN, RATE, "2025-03-05").status == "at_risk"


def test_a_single_figure_gives_no_trend_and_is_at_risk():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 79, 100)
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.status, c.projected) == ("at_risk", None)


def test_the_trend_uses_distinct_days_the_later_figure_of_a_day_counts():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-01", 40, 100)
    lg.ratio(HN, RATE, "2025-03-01", 10, 100)
    lg.ratio(HN, RATE, "2025-03-01", 50, 100)  # same day, later in the ledger: replaces the 10 %
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.value, c.status) == (0.5, "on_track")


def test_count_target_completion_and_trend():
    lg = Ledger()
    lg.count(HN, "procedures_local_data", "2025-02-01", 50)
    lg.count(HN, "procedures_local_data", "2025-04-01", 150)
    c = lg.cell(HN, "procedures_local_data", "2025-04-02")
    assert (c.value, c.completion, c.status) == (150.0, 0.75, "on_track")
    assert (c.numerator, c.denominator) == (None, None)


@pytest.mark.parametrize(
    ("observed", "done", "on", "status"),
    [
        ("2025-03-01", False, "2025-03-10", "on_track"),  # 82 days before the deadline
        ("2025-05-05", False, "2025-05-10", "at_risk"),  # 21 days before it
        ("2025-05-01", False, "2025-05-01", "at_risk"),  # exactly 30 days before it
        ("2025-04-01", True, "2025-04-02", "met"),
        ("2025-04-01", True, "2025-12-31", "met"),
        ("2025-05-20", False, "2025-06-01", "overdue"),
        ("2025-01-05", False, "2025-03-10", "no_data"),  # 64 days old
    ],
)
def test_milestone_statuses(observed, done, on, status):
    lg = Ledger()
    lg.milestone(HN, INDICATORS, observed, done)
    c = lg.cell(HN, INDICATORS, on)
    assert c.status == status
    assert c.completion == (1.0 if done else 0.0)


def test_milestone_past_its_deadline_is_overdue_until_done_then_met():
    lg = Ledger()
    lg.milestone(HN, PLAN, "2025-02-20", False)
    assert lg.cell(HN, PLAN, "2025-03-01").status == "overdue"
    lg.milestone(HN, PLAN, "2025-03-10", True)
    assert lg.cell(HN, PLAN, "2025-03-05").status == "overdue"
    assert lg.cell(HN, PLAN, "2025-03-10").status == "met"


def test_a_target_revision_changes_completion_from_its_effective_day():
    lg = Ledger()
    lg.ratio(HN, "end_to_end_services", "2025-02-10", 85, 100)
    assert lg.cell(HN, "end_to_end_services", "2025-02-22").status == "met"  # 80 % then
    after = lg.cell(HN, "end_to_end_services", "2025-02-23")  # 100 % from TB 56/TB-VPCP
    assert (after.status, after.completion) == ("at_risk", 0.85)


def test_completion_of_a_lower_is_better_target():
    assert completion_of(Fraction(50), Fraction(25), higher_is_better=False) == Fraction(1, 2)
    assert completion_of(Fraction(20), Fraction(25), higher_is_better=False) == 1
    assert completion_of(Fraction(0), Fraction(25), higher_is_better=False) == 1
