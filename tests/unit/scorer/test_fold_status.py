"""Every status rule (shared/scoring/status.py, docs/scorer.md) on hand-written ledgers, on
the days around each deadline: before, on, after; met early, met late, never met, never
reported."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from shared.scoring.evaluation import completion_of, required_completion
from shared.scoring.history import Point
from shared.scoring.figures import Ratio
from shared.scoring.status import BASELINE_DAY, REPORTING_INTERVAL_DAYS

from .builders import PROJECTOR, Ledger

HN = "ha-noi"
RATE = "online_dossier_rate"  # ratio, 80 %, 31/12/2025, ministries and provinces
CIVIL = "civil_registry_digitised"  # ratio, 100 %, 31/03/2025, provinces
PLAN = "r57_plan_issued"  # milestone, 28/02/2025
INDICATORS = "direction_indicators"  # milestone, 31/05/2025
OWN_PROJECT = "own_dt_project"  # milestone no source gives a deadline
D = date.fromisoformat


def _days_around(deadline: str) -> list[str]:
    d = D(deadline)
    return [str(d - timedelta(days=1)), str(d), str(d + timedelta(days=1))]


# -- reached: on time or late ---------------------------------------------------------------
def test_met_early_stays_met_on_time_before_on_and_after_the_deadline():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-03-01", 100, 100)
    for day in _days_around("2025-03-31") + ["2026-06-01"]:
        c = lg.cell(HN, CIVIL, day)
        assert (c.status, c.met_on, c.completion) == ("met", D("2025-03-01"), 1.0), day


def test_met_on_the_deadline_day_is_on_time():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-03-01", 90, 100)
    lg.ratio(HN, CIVIL, "2025-03-31", 100, 100)
    assert lg.cell(HN, CIVIL, "2025-03-31").status == "met"
    assert lg.cell(HN, CIVIL, "2025-04-01").status == "met"


def test_met_after_the_deadline_is_met_late_with_the_day_it_was_reached():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-03-01", 90, 100)
    lg.ratio(HN, CIVIL, "2025-04-12", 100, 100)
    lg.ratio(HN, CIVIL, "2025-05-12", 100, 100)  # reported again: still reached since 12/04
    assert lg.cell(HN, CIVIL, "2025-04-11").status == "overdue"
    c = lg.cell(HN, CIVIL, "2025-06-30")
    assert (c.status, c.met_on) == ("met_late", D("2025-04-12"))
    assert (c.met_on - PROJECTOR.world.targets_on(c.evaluated_on)[CIVIL].deadline).days == 12


def test_a_figure_that_falls_back_and_is_reached_again_after_the_deadline_is_late():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-03-10", 100, 100)
    lg.ratio(HN, CIVIL, "2025-04-05", 99, 100)  # corrected stock: no longer all digitised
    lg.ratio(HN, CIVIL, "2025-04-20", 100, 100)
    assert lg.cell(HN, CIVIL, "2025-04-10").status == "overdue"
    c = lg.cell(HN, CIVIL, "2025-05-01")
    assert (c.status, c.met_on) == ("met_late", D("2025-04-20"))


def test_a_correction_of_the_figure_that_reached_the_target_moves_the_day_it_was_reached():
    lg = Ledger()
    first = lg.ratio(HN, CIVIL, "2025-03-20", 100, 100)
    lg.ratio(HN, CIVIL, "2025-04-15", 100, 100)
    assert lg.cell(HN, CIVIL, "2025-05-01").status == "met"
    lg.correct(first, figure=Ratio(97, 100))
    c = lg.cell(HN, CIVIL, "2025-05-01")
    assert (c.status, c.met_on) == ("met_late", D("2025-04-15"))


# -- not reached ------------------------------------------------------------------------------
def test_never_met_is_overdue_from_the_deadline_day_on_never_at_risk():
    lg = Ledger()
    lg.ratio(HN, CIVIL, "2025-01-31", 50, 100)
    lg.ratio(HN, CIVIL, "2025-03-20", 60, 100)
    before, on, after = (lg.cell(HN, CIVIL, d) for d in _days_around("2025-03-31"))
    assert before.status == "at_risk"  # below the path, a day before
    assert (on.status, on.completion) == ("overdue", 0.6)  # the deadline day: not reached
    assert after.status == "overdue"
    assert lg.cell(HN, CIVIL, "2026-03-31").status == "overdue"


def test_never_reported_is_no_data_before_the_deadline_and_overdue_from_it():
    lg = Ledger()
    before, on, after = (lg.cell(HN, CIVIL, d) for d in _days_around("2025-03-31"))
    assert (before.status, before.value, before.observed_at) == ("no_data", None, None)
    assert on.status == after.status == "overdue"


def test_no_data_after_the_35_day_reporting_interval():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 50, 100)
    assert REPORTING_INTERVAL_DAYS == 35
    assert lg.cell(HN, RATE, "2025-04-05").status == "on_track"  # 35 days: still within the interval
    stale = lg.cell(HN, RATE, "2025-04-06")  # 36 days
    assert (stale.status, stale.value) == ("no_data", 0.5)  # the last value is still shown


# -- the path (lộ trình) ----------------------------------------------------------------------
def test_the_path_runs_from_the_baseline_figure_to_the_target_on_the_deadline():
    lg = Ledger()
    lg.ratio(HN, RATE, "2024-12-31", 40, 100)  # the 2024 baseline: half of 80 %
    deadline = D("2025-12-31")
    span = (deadline - BASELINE_DAY).days
    # Half-way in time the path requires three quarters of the target.
    halfway = BASELINE_DAY + timedelta(days=span // 2)
    required = Fraction(1, 2) + Fraction(1, 2) * Fraction(span // 2, span)
    on_path = int(required * Fraction(4, 5) * 1000) + 1  # per mille, just above the path
    lg.ratio(HN, RATE, halfway, on_path, 1000)
    c = lg.cell(HN, RATE, halfway)
    assert (c.status, c.required) == ("on_track", float(required))
    lg.ratio(HN, RATE, halfway + timedelta(days=1), on_path - 2, 1000)  # fell below it
    assert lg.cell(HN, RATE, halfway + timedelta(days=1)).status == "at_risk"


def test_one_figure_is_on_its_own_path_not_at_risk():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-03-01", 30, 100)
    c = lg.cell(HN, RATE, "2025-03-10")
    assert (c.status, c.required) == ("on_track", 0.375)  # 30 % of 80 %: where the path starts


def test_without_a_baseline_the_path_starts_at_the_first_figure():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-07-02", 40, 100)  # half-way through the year, half the target
    lg.ratio(HN, RATE, "2025-10-01", 50, 100)  # the path asks about 75 % of 80 % by now
    c = lg.cell(HN, RATE, "2025-10-01")
    first = Point(D("2025-07-02"), Ratio(40, 100), 1, HN, "x")
    target = PROJECTOR.world.targets_on(D("2025-10-01"))[RATE]
    assert c.required == float(required_completion(first, target, D("2025-10-01")))
    assert c.status == "at_risk"


def test_the_path_uses_the_latest_figure_of_a_day():
    lg = Ledger()
    lg.ratio(HN, RATE, "2025-01-01", 40, 100)
    lg.ratio(HN, RATE, "2025-03-01", 10, 100)
    lg.ratio(HN, RATE, "2025-03-01", 50, 100)  # same day, later in the ledger: replaces the 10 %
    c = lg.cell(HN, RATE, "2025-03-05")
    assert (c.value, c.status) == (0.5, "on_track")


def test_count_target_completion_and_path():
    lg = Ledger()
    lg.count(HN, "procedures_local_data", "2024-12-31", 20)
    lg.count(HN, "procedures_local_data", "2025-04-01", 150)
    c = lg.cell(HN, "procedures_local_data", "2025-04-02")
    assert (c.value, c.completion, c.status) == (150.0, 0.75, "on_track")
    assert (c.numerator, c.denominator) == (None, None)


# -- milestones ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("observed", "done", "on", "status"),
    [
        ("2025-03-01", False, "2025-03-10", "on_track"),
        ("2025-05-05", False, "2025-05-30", "on_track"),  # a day before: still in time
        ("2025-05-05", False, "2025-05-31", "overdue"),  # the deadline day, not done
        ("2025-04-01", True, "2025-04-02", "met"),
        ("2025-04-01", True, "2025-12-31", "met"),
        ("2025-05-31", True, "2025-06-01", "met"),  # done on the deadline day
        ("2025-06-03", True, "2025-06-03", "met_late"),
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


def test_milestone_past_its_deadline_is_overdue_until_done_then_met_late():
    lg = Ledger()
    lg.milestone(HN, PLAN, "2025-02-20", False)
    assert lg.cell(HN, PLAN, "2025-03-01").status == "overdue"
    lg.milestone(HN, PLAN, "2025-03-10", True)
    assert lg.cell(HN, PLAN, "2025-03-05").status == "overdue"
    c = lg.cell(HN, PLAN, "2025-03-10")
    assert (c.status, c.met_on) == ("met_late", D("2025-03-10"))


# -- tasks without a deadline ----------------------------------------------------------------------
def test_a_task_no_source_gives_a_deadline_is_never_overdue():
    lg = Ledger()
    assert PROJECTOR.world.targets_on(D("2025-06-01"))[OWN_PROJECT].deadline is None
    assert lg.cell(HN, OWN_PROJECT, "2026-06-01").status == "no_data"
    lg.milestone(HN, OWN_PROJECT, "2025-05-01", False)
    assert lg.cell(HN, OWN_PROJECT, "2025-05-20").status == "untimed"
    lg.milestone(HN, OWN_PROJECT, "2025-09-01", True)
    c = lg.cell(HN, OWN_PROJECT, "2026-09-01")
    assert (c.status, c.met_on) == ("met", D("2025-09-01"))


def test_a_deadline_revision_applies_from_its_effective_day():
    lg = Ledger()
    officials = "officials_digital_signature"  # 31/12/2025, brought forward to 30/06/2025 on 23/02/2025
    lg.ratio(HN, officials, "2025-02-10", 60, 100)
    lg.ratio(HN, officials, "2025-08-01", 100, 100)
    assert lg.cell(HN, officials, "2025-07-01").status == "overdue"
    assert lg.cell(HN, officials, "2025-08-02").status == "met_late"


def test_completion_of_a_lower_is_better_target():
    assert completion_of(Fraction(50), Fraction(25), higher_is_better=False) == Fraction(1, 2)
    assert completion_of(Fraction(20), Fraction(25), higher_is_better=False) == 1
    assert completion_of(Fraction(0), Fraction(25), higher_is_better=False) == 1
