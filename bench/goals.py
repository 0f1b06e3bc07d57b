"""The goals of issues 15 and 17 (the web view) for `make bench` (N = 1,000,000 on
PostgreSQL, 2 cores) and which of them a database's figures meet. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Goal:
    """A figure's bound: at least or at most ``limit``, on every database or on ``only``."""

    key: str
    limit: float
    at_least: bool
    what: str
    unit: str = ""
    only: str | None = None

    def applies(self, db: str) -> bool:
        """Whether this goal is about ``db``'s figures."""
        return self.only is None or self.only == db

    def met(self, value: float) -> bool:
        """Whether ``value`` is within the bound."""
        return value >= self.limit if self.at_least else value <= self.limit

    def bound(self) -> str:
        """The bound as people write it: '≥ 8,000 events/s'."""
        return f"{'≥' if self.at_least else '≤'} {self.limit:,g}{self.unit}"


GOALS = (
    Goal("report_s", 3.0, False, "year-end report (html, pdf, md)", " s"),
    Goal("score_asof_s", 0.5, False, "`score national --as-of` a month end", " s"),
    Goal("rss_scorer_mb", 300, False, "scorer peak RSS at N", " MB"),
    Goal("rss_growth", 1.15, False, "largest worker's peak RSS at N ÷ at N/10", "×"),
    Goal("ingest_eps", 8_000, True, "ingest, one instance, signatures verified", " events/s"),
    Goal("ingest_pair_ratio", 1.7, True, "two ingest instances ÷ one", "×"),
    Goal("score_eps", 30_000, True, "scorer", " events/s"),
    Goal("floor_ratio", 0.4, True, "e2e ÷ the pipeline's floor"),
    Goal("rebuild_eps", 100_000, True, "scorer rebuild", " entries/s"),
    Goal("p99_ms", 500, False, "p99 publish-to-score at 1,000 events/s, N entries in the ledger", " ms"),
    # Issue 17: 20 concurrent clients for 30 s from a second process on loopback.
    Goal("web_dashboard_p95_ms", 200, False, "web dashboard p95, 20 clients", " ms"),
    Goal("web_target_p95_ms", 200, False, "web task page p95, 20 clients", " ms"),
    Goal("web_agency_p95_ms", 300, False, "web agency page p95, 20 clients", " ms"),
    # The eventsourcing library's own figures with the same uniqueness index (issue 15).
    Goal("admission_us", 25, False, "admission CPU an event, no signature", " µs"),
    Goal("storage_us", 25, False, "storage (chain + commit) CPU an event", " µs", only="sqlite"),
    Goal("storage_us", 50, False, "storage (chain + commit) client CPU an event", " µs", only="postgresql"),
)


def verdicts(db: str, f: dict[str, Any]) -> dict[str, bool | None]:
    """Each goal about ``db``: met, missed, or None when the run did not measure it."""
    return {g.key: (None if f.get(g.key) is None else g.met(f[g.key])) for g in GOALS if g.applies(db)}


def summary(db: str, f: dict[str, Any]) -> list[str]:
    """One line a goal, misses first and in capitals, so none goes unseen."""
    lines: list[tuple[int, str]] = []
    for g in GOALS:
        if not g.applies(db):
            continue
        value = f.get(g.key)
        if value is None:
            lines.append((1, f"{db}: not measured  {g.key} ({g.what}; goal {g.bound()})"))
        elif g.met(value):
            lines.append((2, f"{db}: met     {g.key} = {_figure(value)} ({g.what}; goal {g.bound()})"))
        else:
            lines.append((0, f"{db}: MISSED  {g.key} = {_figure(value)} ({g.what}; goal {g.bound()})"))
    return [line for _, line in sorted(lines, key=lambda x: x[0])]


def _figure(value: float) -> str:
    # Rates and megabytes in whole units; ratios, seconds and microseconds to 0.01.
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
