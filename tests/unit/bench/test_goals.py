"""Issue 15's and 17's goals: which figures meet them, per database, and how misses are told."""

from __future__ import annotations

from bench.goals import GOALS, summary, verdicts

MET = dict(report_s=2.9, score_asof_s=0.5, rss_scorer_mb=250, rss_growth=1.1, ingest_eps=8_000,
           ingest_pair_ratio=1.7, score_eps=31_000, floor_ratio=0.41, rebuild_eps=100_000, p99_ms=499,
           admission_us=24.9, storage_us=49.0, web_dashboard_p95_ms=200, web_target_p95_ms=199,
           web_agency_p95_ms=300)


def test_the_goals_are_issue_15s() -> None:
    bounds = {(g.key, g.only): (g.limit, g.at_least) for g in GOALS}
    assert bounds == {
        ("report_s", None): (3.0, False), ("score_asof_s", None): (0.5, False),
        ("rss_scorer_mb", None): (300, False), ("rss_growth", None): (1.15, False),
        ("ingest_eps", None): (8_000, True), ("ingest_pair_ratio", None): (1.7, True),
        ("score_eps", None): (30_000, True), ("floor_ratio", None): (0.4, True),
        ("rebuild_eps", None): (100_000, True), ("p99_ms", None): (500, False),
        ("admission_us", None): (25, False),
        ("web_dashboard_p95_ms", None): (200, False), ("web_target_p95_ms", None): (200, False),
        ("web_agency_p95_ms", None): (300, False),
        ("storage_us", "sqlite"): (25, False), ("storage_us", "postgresql"): (50, False),
    }


def test_bounds_are_inclusive_and_storage_depends_on_the_database() -> None:
    assert all(verdicts("postgresql", MET).values())
    assert verdicts("sqlite", MET)["storage_us"] is False  # 49 µs: within PostgreSQL's 50, not SQLite's 25
    assert verdicts("sqlite", dict(MET, storage_us=25))["storage_us"] is True
    assert verdicts("postgresql", dict(MET, p99_ms=501))["p99_ms"] is False
    assert verdicts("postgresql", dict(MET, ingest_eps=7_999))["ingest_eps"] is False


def test_a_figure_not_measured_is_neither_met_nor_missed() -> None:
    figures = {k: v for k, v in MET.items() if k != "ingest_pair_ratio"}
    assert verdicts("sqlite", figures)["ingest_pair_ratio"] is None


def test_misses_come_first_and_stand_out() -> None:
    figures = dict(MET, report_s=9.97, p99_ms=1825)
    del figures["ingest_pair_ratio"]
    lines = summary("postgresql", figures)
    assert lines[0] == "postgresql: MISSED  report_s = 9.97 (year-end report (html, pdf, md); goal ≤ 3 s)"
    assert lines[1].startswith("postgresql: MISSED  p99_ms = 1,825 (")
    assert lines[2].startswith("postgresql: not measured  ingest_pair_ratio (")
    assert all(" met " in line for line in lines[3:])
    assert len(lines) == 15
