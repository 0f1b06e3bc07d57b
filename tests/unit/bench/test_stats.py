"""The arithmetic of `make bench`: percentiles, rates, the result line, the results table."""

from __future__ import annotations

import pytest

from bench.stats import (TABLE_HEADER, append_row, per_event_us, percentile, rate, result_line, serial_rate,
                         share_pct, table_row)

FIGURES = dict(produce_eps=25_000.4, bare_consume_eps=80_000, ingest_eps=9_000, score_eps=30_000, e2e_eps=6_923.1,
               e2e_ratio=0.0865, rebuild_eps=210_000.7, report_s=2.345, rss_ingest_mb=150.2, rss_scorer_mb=180.6,
               rss_ingest_small_mb=140, rss_scorer_small_mb=120, p50_ms=120.4, p99_ms=480.6, rss_mb=180.6,
               ingest_cpu_us_per_event=312.46)


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


def test_the_result_line_has_the_exact_form() -> None:
    assert result_line(FIGURES) == ("bench: e2e_eps=6923 e2e_ratio=0.09 rebuild_eps=210001 report_s=2.35 "
                                    "rss_mb=181 p99_ms=481 ingest_cpu_us=312")


def test_rows_go_at_the_end_of_the_table_and_the_text_after_it_stays() -> None:
    row = table_row("2026-11-22", "2 × CPU", 1_000_000, "postgresql", FIGURES)
    assert row.startswith("| 2026-11-22 | 2 × CPU | 1,000,000 | postgresql | 25,000 | 80,000 |")
    assert row.count("|") == TABLE_HEADER.splitlines()[0].count("|")
    doc = append_row("# Benchmarks\n\nIntro.\n", row)
    assert doc == "# Benchmarks\n\nIntro.\n\n" + TABLE_HEADER + row
    doc = append_row(doc + "\n\n## Notes\n\nText.\n", row.replace("postgresql", "sqlite"))
    table = doc.split(TABLE_HEADER)[1].split("\n\n## Notes")[0]
    assert table.splitlines() == [row.rstrip("\n"), row.replace("postgresql", "sqlite").rstrip("\n")]
    assert doc.endswith("## Notes\n\nText.\n")
