"""Each section's numbers equal the scorer's own projections on the known data set (the
projection tables `scorer rebuild` writes), and the activity sections list what the
data set sent during the period."""

from __future__ import annotations

from datetime import date

import pytest

from shared.db.ledger import LedgerStore
from shared.db.projections import ScorerStore
from shared.domain.agencies import AgencyKind, agencies_on
from shared.domain.catalogue import all_target_ids
from shared.scoring.projector import Projector
from shared.scoring.rows import projections_from_rows

from services.report.assemble import headline
from services.report.scoring import on_the_map_of
from services.report.period import Period
from services.scorer.replay import rebuild
from tests.unit.report import dataset

NATIONAL_FIELDS = ("block", "value", "numerator", "denominator", "completion", "status", "met_on", "agencies",
                   "reporting", "met", "met_late", "on_track", "at_risk", "overdue", "no_data", "untimed")


@pytest.fixture(scope="module")
def scorer_rows(known):
    """day -> the scorer's projection rows for that day, rebuilt from the ledger."""
    cache = {}

    def get(day: date):
        if day not in cache:
            rebuild(ScorerStore(known.engine), LedgerStore(known.engine), Projector(), day)
            cache[day] = ScorerStore(known.engine).projection_rows()
        return cache[day]

    return get


@pytest.mark.parametrize("code", ["2025-Q1", "2025-Q2", "2025-Q4", "2025-06"])
def test_the_summary_is_the_scorers_national_figures_now_and_a_period_ago(code, reports, scorer_rows):
    report = reports(code)
    now = {(r["target_id"], r["block"]): r for r in scorer_rows(report.as_of)["national_figures"]}
    before = {(r["target_id"], r["block"]): r for r in scorer_rows(report.previous_as_of)["national_figures"]}
    assert {(ln.target_id, ln.block) for ln in report.targets} == set(now), "one line per target and block"
    order = list(all_target_ids())
    assert [ln.target_id for ln in report.targets] == sorted((ln.target_id for ln in report.targets), key=order.index)
    for line in report.targets:
        row = now[(line.target_id, line.block)]
        assert {f: getattr(line, f) for f in NATIONAL_FIELDS} == {f: row[f] for f in NATIONAL_FIELDS}
        prev = before[(line.target_id, line.block)]
        assert (line.previous_value, line.previous_numerator, line.previous_completion, line.previous_status,
                line.previous_met) == \
            (prev["value"], prev["numerator"], prev["completion"], prev["status"], prev["met"] + prev["met_late"])


def test_blocks_are_reported_apart_and_together_only_where_a_target_binds_both(reports):
    blocks = {}
    for line in reports("2025-Q2").targets:
        blocks.setdefault(line.target_id, []).append(line.block)
    assert blocks["online_dossier_rate"] == ["ministry", "province", "all"]
    assert blocks["civil_registry_digitised"] == ["province"]
    assert blocks["essential_services"] == ["ministry"]


@pytest.mark.parametrize("code", ["2025-Q2", "2025-Q4"])
def test_the_late_table_is_every_overdue_and_at_risk_cell_of_the_scorer(code, reports, scorer_rows):
    report = reports(code)
    cells = {(r["agency_id"], r["target_id"]): r for r in scorer_rows(report.as_of)["agency_target_values"]}
    late = {(r["agency_id"], r["target_id"]): r for r in cells.values() if r["status"] in ("overdue", "at_risk")}
    assert {(t.agency_id, t.target_id) for t in report.late} == set(late)
    for task in report.late:
        cell = late[(task.agency_id, task.target_id)]
        assert (task.status, task.value, task.completion, task.observed_at, task.source_event_id) == \
            (cell["status"], cell["value"], cell["completion"], cell["observed_at"], cell["source_event_id"])
        if task.status == "overdue":
            assert task.days_late == (report.as_of - task.deadline).days >= 0, "overdue from the deadline day on"
    statuses = [t.status for t in report.late]
    assert statuses == sorted(statuses, key=lambda s: s != "overdue"), "overdue tasks come first"


def test_the_late_table_names_the_last_reporter_and_figure(reports):
    late = {(t.agency_id, t.target_id): t for t in reports("2025-Q2").late}
    task = late[("lai-chau", "civil_registry_digitised")]
    assert (task.status, task.days_late, task.deadline) == ("overdue", 91, date(2025, 3, 31))
    assert (task.reporter_name, task.reporter_role) == dataset.HTML_REPORTER
    assert (task.numerator, task.denominator, task.observed_at) == (50, 100, date(2025, 2, 28))
    never = late[("bo-cong-an", "r57_plan_issued")]
    assert (never.reporter_name, never.observed_at, never.value) == (None, None, None)


@pytest.mark.parametrize("code, provinces, ministries", [("2025-Q1", 63, 17), ("2025-Q2", 63, 17),
                                                         ("2025-Q4", 34, 17), ("2025-01", 63, 22)])
def test_the_leaderboards_are_the_scorers_ranks_of_every_agency(code, provinces, ministries, reports, scorer_rows):
    report = reports(code)
    scores = {r["agency_id"]: r for r in scorer_rows(report.as_of)["agency_scores"]}
    # The previous period on today's map; ranks only for agencies that had reported then.
    then = on_the_map_of(projections_from_rows(scorer_rows(report.previous_as_of), report.previous_as_of),
                         report.as_of)
    reported = {a for (a, _), c in then.cells.items() if c.value is not None}
    before = {a: {"rank": r.rank} for a, r in then.scores.items() if a in reported}
    assert (len(report.provinces), len(report.ministries)) == (provinces, ministries)
    for kind, board in ((AgencyKind.PROVINCE, report.provinces), (AgencyKind.MINISTRY, report.ministries)):
        assert {s.agency_id for s in board} == {a.id for a in agencies_on(report.as_of, kind)}
        for s in board:
            row = scores[s.agency_id]
            assert (s.rank, s.score, s.peers, s.targets) == (row["rank"], row["score"], row["peers"], row["targets"])
            assert s.previous_rank == (before[s.agency_id]["rank"] if s.agency_id in before else None)
        assert [s.rank for s in board] == sorted(s.rank for s in board)


def test_a_merged_province_is_ranked_in_its_first_quarter_against_its_predecessors_rolled_up(reports):
    board = {s.agency_id: s for s in reports("2025-Q3").provinces}
    merged = board["tuyen-quang-2025"]
    assert merged.previous_rank is not None and merged.previous_peers == merged.peers == 34
    assert board["ha-noi"].previous_peers == 34  # today's 34 provinces, not June's 63


def test_no_rank_change_is_shown_without_a_baseline(reports):
    # Nobody had reported anything by the end of 2024 in this data set: Q1 has no previous ranks.
    assert all(s.previous_rank is None for s in reports("2025-Q1").provinces)


@pytest.mark.parametrize("code", ["2025-Q2", "2025-Q4"])
def test_the_province_distribution_counts_the_scorers_statuses(code, reports, scorer_rows):
    report = reports(code)
    provinces = {a.id for a in agencies_on(report.as_of, AgencyKind.PROVINCE)}
    cells = scorer_rows(report.as_of)["agency_target_values"]
    for target_id, counts in report.distribution.items():
        statuses = [c["status"] for c in cells if c["target_id"] == target_id and c["agency_id"] in provinces]
        assert counts == {s: statuses.count(s) for s in counts}
        assert sum(counts.values()) == len(provinces)


def test_the_trend_ends_with_the_summary_and_holds_the_scorers_month_ends(reports, scorer_rows):
    report = reports("2025-Q2")
    assert report.trend.days == (date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30),
                                 date(2025, 5, 31), date(2025, 6, 30))
    rows = scorer_rows(date(2025, 4, 30))["national_figures"]
    april = {r["target_id"]: r["completion"] for r in rows if r["block"] != "all"}
    april.update({r["target_id"]: r["completion"] for r in rows if r["block"] == "all"})
    for line in headline(report.targets).values():
        series = report.trend.completion[line.target_id]
        assert series[-1] == line.completion
        assert series[3] == april[line.target_id]


def test_reporting_discipline_names_the_silent_agencies_and_counts_rejections_by_reason(reports):
    report = reports("2025-Q2")
    q2 = Period.parse("2025-Q2")
    sent = {e["agency_id"] for e in dataset.events() if q2.contains(date.fromisoformat(e["reported_at"][:10]))}
    expected = [a.id for a in agencies_on(q2.end) if a.id not in sent]
    assert list(report.silent) == expected
    assert "bo-cong-thuong" in report.silent and "ha-noi" not in report.silent
    assert "lai-chau" not in report.silent  # its March figure was sent on 2 April
    assert "lai-chau" in reports("2025-Q3").silent
    assert report.expected == 17 + 63
    # Dated by when they were sent: two in May/June, one in April; August's and the
    # unreadable one (dated by its rejection, in 2026) fall outside the quarter.
    assert report.rejections == {"bad_signature": 2, "numerator_exceeds_denominator": 1}


def test_corrections_and_retractions_sent_in_the_period_show_the_figure_they_replaced(reports):
    amendments = {a.event_id: a for a in reports("2025-Q2").amendments}
    assert set(amendments) == {"btp-20250605-0001", "hn-rate-05-fix"}
    fix = amendments["hn-rate-05-fix"]
    assert (fix.kind, fix.amends, fix.reported_on) == ("correction", "ha-noi-rate-05", date(2025, 6, 4))
    assert fix.before == {"type": "ratio", "numerator": 7_250, "denominator": 10_000}
    assert fix.after == {"type": "ratio", "numerator": 7_300, "denominator": 10_000}
    withdrawn = amendments["btp-20250605-0001"]
    assert (withdrawn.kind, withdrawn.before, withdrawn.after) == ("retraction", {"type": "count", "count": 17}, None)
    assert reports("2025-Q3").amendments == ()
