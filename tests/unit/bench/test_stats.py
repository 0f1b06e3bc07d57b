"""The arithmetic of `make bench`: percentiles, rates, the floor, RSS growth, the ledger's
top-up, the result line, the results table."""

from __future__ import annotations

import pytest

from bench.stats import (TABLE_HEADER, append_row, floor_rate, growth, largest_worker_growth, per_event_us,
                         percentile, rate, result_line, serial_rate, share_pct, table_row, topup_count)

FIGURES = dict(produce_eps=25_000.4, bare_consume_eps=80_000, ingest_eps=9_000.4, ingest_pair_ratio=1.734,
               score_eps=30_000.6, e2e_eps=6_923.1, floor_eps=20_000, floor_ratio=0.34615, rebuild_eps=210_000.7,
               report_s=2.345, score_asof_s=0.4321, rss_ingest_mb=150.2, rss_scorer_mb=180.6,
               rss_ingest_small_mb=140, rss_scorer_small_mb=120, rss_growth=1.505, p50_ms=120.4, p99_ms=480.6,
               rss_mb=180.6, admission_us=21.44, storage_us=47.06)


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 1001))  # 1 … 1000
    assert percentile(values, 50) == 500
    assert percentile(values, 99) == 990
    assert percentile(values, 100) == 1000
    assert percentile(values, 0) == 1
    assert percentile([7.5], 99) == 7.5
    assert percentile([3, 1, 2], 50) == 2  # unsorted input


@pytest.mark.parametrize("q", [-1, 101])
def test_a_percentile_outside_0_to_100_is_refused(q) -> None:
    with pytest.raises(ValueError):
        percentile([1, 2], q)


def test_no_values_no_percentile() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)


def test_rates() -> None:
    assert rate(1000, 0.5) == 2000
    assert rate(10, 0) == 0
    assert serial_rate(1000, 1.0, 3.0) == 250  # two stages one after the other over the same events
    assert per_event_us(26.5, 100_000) == pytest.approx(265.0)
    assert per_event_us(1.0, 0) == 0
    assert share_pct(1.5, 30.0) == pytest.approx(5.0)
    assert share_pct(1.0, 0) == 0


def test_the_floor_is_the_three_bare_stages_one_after_the_other() -> None:
    # 1 / (1/c + 1/p + 1/c): 100,000 consumed, 25,000 produced, 100,000 consumed again a
    # second make 1/100,000 + 1/25,000 + 1/100,000 = 6/100,000 s an event.
    assert floor_rate(100_000, 25_000, 100_000) == pytest.approx(100_000 / 6)
    assert floor_rate(50_000, 50_000, 50_000) == pytest.approx(50_000 / 3)
    assert floor_rate(100_000, 30_000, 80_000) < min(100_000, 30_000, 80_000)
    assert floor_rate(100_000, 0, 100_000) == 0  # a stage not measured gives no floor


def test_rss_growth_is_the_largest_workers_own() -> None:
    assert growth(251, 135) == pytest.approx(251 / 135)
    assert growth(200, 0) == 0
    # The scorer is the largest at N: its growth counts, not the ingest worker's larger one.
    name, ratio = largest_worker_growth(dict(ingest=191, scorer=251), dict(ingest=100, scorer=218))
    assert name == "scorer" and ratio == pytest.approx(251 / 218)
    name, ratio = largest_worker_growth(dict(ingest=260, scorer=251), dict(ingest=200, scorer=135))
    assert name == "ingest" and ratio == pytest.approx(1.3)


def test_the_top_up_brings_the_ledger_to_the_wanted_size() -> None:
    recorded = [("a", "1"), None, ("a", "2"), None, None, ("b", "1"), ("b", "2")]
    assert topup_count(recorded, have=97, want=100) == 6  # three entries, two re-sends and a bad one between
    assert topup_count(recorded, have=99, want=100) == 1
    assert topup_count(recorded, have=100, want=100) == 0
    assert topup_count(recorded, have=120, want=100) == 0
    assert topup_count(recorded, have=96, want=100) == 7
    with pytest.raises(ValueError, match="record 4 entries, not the 5"):
        topup_count(recorded, have=95, want=100)


def test_the_result_line_has_the_exact_form() -> None:
    assert result_line(FIGURES) == ("bench: ingest_eps=9000 scorer_eps=30001 e2e_eps=6923 floor_ratio=0.35 "
                                    "rebuild_eps=210001 report_s=2.35 rss_mb=181 rss_growth=1.50 p99_ms=481")
    web = dict(FIGURES, web_dashboard_p95_ms=41.6, web_target_p95_ms=38.2, web_agency_p95_ms=120.5)
    assert result_line(web).endswith(" p99_ms=481 web_dashboard_p95_ms=42 web_target_p95_ms=38 web_agency_p95_ms=120")


def test_rows_go_at_the_end_of_the_table_and_the_text_after_it_stays() -> None:
    row = table_row("2026-11-22", "2 × CPU", 1_000_000, "postgresql", FIGURES)
    assert row == ("| 2026-11-22 | 2 × CPU | 1,000,000 | postgresql | 9,000 | 1.73 | 30,001 | 6,923 | 20,000 | 0.35 "
                   "| 210,001 | 2.35 | 0.43 | 150 / 181 | 140 / 120 | 1.50 | 120 / 481 | 21.4 / 47.1 |\n")
    assert row.count("|") == TABLE_HEADER.splitlines()[0].count("|") == TABLE_HEADER.splitlines()[1].count("|")
    doc = append_row("# Benchmarks\n\nIntro.\n", row)
    assert doc == "# Benchmarks\n\nIntro.\n\n" + TABLE_HEADER + row
    doc = append_row(doc + "\n\n## Notes\n\nText.\n", row.replace("postgresql", "sqlite"))
    table = doc.split(TABLE_HEADER)[1].split("\n\n## Notes")[0]
    assert table.splitlines() == [row.rstrip("\n"), row.replace("postgresql", "sqlite").rstrip("\n")]
    assert doc.endswith("## Notes\n\nText.\n")


def test_a_figure_not_measured_on_a_database_is_a_dash() -> None:
    sqlite = {k: v for k, v in FIGURES.items() if k not in ("ingest_pair_ratio", "admission_us", "storage_us")}
    row = table_row("2026-12-02", "2 × CPU", 20_000, "sqlite", sqlite)
    assert "| 9,000 | – | 30,001 |" in row and row.endswith("| – / – |\n")
    assert row.count("|") == TABLE_HEADER.splitlines()[0].count("|")
