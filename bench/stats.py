"""The arithmetic of a benchmark run: percentiles, rates, ratios and the lines it prints
and appends to docs/benchmarks.md. Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by the nearest-rank method: the smallest value
    with at least ``q`` % of the values at or below it, so p99 of 1,000 samples is the
    990th smallest, an observed latency rather than an interpolated one."""
    if not values:
        raise ValueError("no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def rate(count: int, seconds: float) -> float:
    """Events per second (0 when nothing was timed)."""
    return count / seconds if seconds > 0 else 0.0


def serial_rate(count: int, *seconds: float) -> float:
    """The rate of stages run one after the other over the same ``count`` events."""
    return rate(count, sum(seconds))


def per_event_us(cpu_s: float, count: int) -> float:
    """Microseconds of CPU per event (0 for no events)."""
    return cpu_s / count * 1e6 if count > 0 else 0.0


def share_pct(part_s: float, whole_s: float) -> float:
    """``part_s`` as a percentage of ``whole_s`` (0 when nothing was timed)."""
    return part_s / whole_s * 100 if whole_s > 0 else 0.0


def result_line(pg: dict[str, Any]) -> str:
    """The last line `make bench` prints: the PostgreSQL figures, last the CPU ingest
    spends per event (Ed25519 verification included)."""
    return (f"bench: e2e_eps={pg['e2e_eps']:.0f} e2e_ratio={pg['e2e_ratio']:.2f} "
            f"rebuild_eps={pg['rebuild_eps']:.0f} report_s={pg['report_s']:.2f} "
            f"rss_mb={pg['rss_mb']:.0f} p99_ms={pg['p99_ms']:.0f} "
            f"ingest_cpu_us={pg['ingest_cpu_us_per_event']:.0f}")


TABLE_HEADER = (
    "| date | machine | N | db | produce eps | bare consume eps | ingest eps | score eps | e2e eps | e2e ratio "
    "| rebuild eps | report s | RSS MB ingest/scorer at N | at N/10 | p50 / p99 ms |\n"
    "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
)


def table_row(date: str, machine: str, n: int, db: str, f: dict[str, Any]) -> str:
    """One row of the results table in docs/benchmarks.md."""
    return (f"| {date} | {machine} | {n:,} | {db} | {f['produce_eps']:,.0f} | {f['bare_consume_eps']:,.0f} "
            f"| {f['ingest_eps']:,.0f} | {f['score_eps']:,.0f} | {f['e2e_eps']:,.0f} | {f['e2e_ratio']:.2f} "
            f"| {f['rebuild_eps']:,.0f} | {f['report_s']:.2f} "
            f"| {f['rss_ingest_mb']:.0f} / {f['rss_scorer_mb']:.0f} "
            f"| {f['rss_ingest_small_mb']:.0f} / {f['rss_scorer_small_mb']:.0f} "
            f"| {f['p50_ms']:.0f} / {f['p99_ms']:.0f} |\n")


def append_row(doc: str, row: str) -> str:
    """``doc`` (the text of docs/benchmarks.md) with ``row`` added at the end of its results
    table, the table's header written first when the document has none yet."""
    if TABLE_HEADER not in doc:
        doc = doc.rstrip("\n") + "\n\n" + TABLE_HEADER
    head, _, rest = doc.partition(TABLE_HEADER)
    lines = rest.split("\n")
    # The table runs until the first line that is not a table row.
    end = next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))
    return head + TABLE_HEADER + "\n".join(lines[:end] + [row.rstrip("\n")] + lines[end:])
