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


def floor_rate(consume_eps: float, produce_eps: float, consume_again_eps: float) -> float:
    """The pipeline's floor: the rate of a bare consume, a bare produce of the same
    messages and a bare consume again done one after the other, 1 / (1/c + 1/p + 1/c'),
    what ingest (consume, produce a ledger message) and the scorer (consume it) would
    reach doing nothing else. 0 when a stage was not measured."""
    rates = (consume_eps, produce_eps, consume_again_eps)
    return 1 / sum(1 / r for r in rates) if all(r > 0 for r in rates) else 0.0


def growth(at_n: float, at_small: float) -> float:
    """How many times ``at_small`` (a figure at N/10) ``at_n`` is (0 when nothing was measured)."""
    return at_n / at_small if at_small > 0 else 0.0


def largest_worker_growth(at_n: dict[str, float], at_small: dict[str, float]) -> tuple[str, float]:
    """The worker with the largest peak RSS at N and its growth from N/10 to N: rss_growth."""
    name = max(at_n, key=lambda w: at_n[w])
    return name, growth(at_n[name], at_small[name])


def topup_count(recorded: Sequence[object], have: int, want: int) -> int:
    """How many of the next messages (``recorded[i]`` falsy for one that records nothing:
    a re-send, a bad event) must be published so that a ledger holding ``have`` entries
    holds ``want``."""
    missing = want - have
    if missing <= 0:
        return 0
    for i, rec in enumerate(recorded):
        if rec:
            missing -= 1
            if missing == 0:
                return i + 1
    raise ValueError(f"{len(recorded):,} more messages record {want - have - missing:,} entries, "
                     f"not the {want - have:,} the ledger lacks")


def result_line(pg: dict[str, Any]) -> str:
    """The last line `make bench` prints, from the PostgreSQL figures (issue 15; the web
    view's p95s of issue 17 when measured)."""
    return (f"bench: ingest_eps={pg['ingest_eps']:.0f} scorer_eps={pg['score_eps']:.0f} "
            f"e2e_eps={pg['e2e_eps']:.0f} floor_ratio={pg['floor_ratio']:.2f} "
            f"rebuild_eps={pg['rebuild_eps']:.0f} report_s={pg['report_s']:.2f} "
            f"rss_mb={pg['rss_mb']:.0f} rss_growth={pg['rss_growth']:.2f} p99_ms={pg['p99_ms']:.0f}"
            + "".join(f" web_{kind}_p95_ms={pg[f'web_{kind}_p95_ms']:.0f}" for kind in ("dashboard", "target", "agency")
                      if pg.get(f"web_{kind}_p95_ms") is not None))


TABLE_HEADER = (
    "| date | machine | N | db | ingest eps | 2 ingests ÷ 1 | scorer eps | e2e eps | floor eps | floor ratio "
    "| rebuild eps | report s | as-of s | RSS MB ingest/scorer at N | at N/10 | RSS growth | p50 / p99 ms "
    "| admission / storage µs |\n"
    "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
)


def _or_dash(f: dict[str, Any], key: str, spec: str) -> str:
    return format(f[key], spec) if f.get(key) is not None else "–"


def table_row(date: str, machine: str, n: int, db: str, f: dict[str, Any]) -> str:
    """One row of the results table in docs/benchmarks.md; a figure not measured on this
    database (two ingest instances on SQLite, say) is a dash."""
    return (f"| {date} | {machine} | {n:,} | {db} | {f['ingest_eps']:,.0f} | {_or_dash(f, 'ingest_pair_ratio', '.2f')} "
            f"| {f['score_eps']:,.0f} | {f['e2e_eps']:,.0f} | {f['floor_eps']:,.0f} | {f['floor_ratio']:.2f} "
            f"| {f['rebuild_eps']:,.0f} | {f['report_s']:.2f} | {_or_dash(f, 'score_asof_s', '.2f')} "
            f"| {f['rss_ingest_mb']:.0f} / {f['rss_scorer_mb']:.0f} "
            f"| {f['rss_ingest_small_mb']:.0f} / {f['rss_scorer_small_mb']:.0f} | {f['rss_growth']:.2f} "
            f"| {f['p50_ms']:.0f} / {f['p99_ms']:.0f} "
            f"| {_or_dash(f, 'admission_us', '.1f')} / {_or_dash(f, 'storage_us', '.1f')} |\n")


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
