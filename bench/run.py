"""`make bench N=...`: the pipeline's speed against the Kafka client's own limits, on
SQLite and on PostgreSQL, in one run on this machine (issues 8, 14 and 15;
docs/benchmarks.md).

For each database:

0. ingest's own work per event outside Kafka: admission and storage CPU µs
   (bench/append.py, on a fresh database of its own);
1. on a fresh database and fresh topics, publish N signed simulator events; the
   pipeline's floor: a bare kafka-python consume of them, a bare produce of the same
   messages and a bare consume again (floor = 1 / (1/c + 1/p + 1/c));
2. run ingest (replaying 2025's clock: --replay-clock), then the scorer, each as its own
   process until caught up (wall time, start-up included); end to end = N ÷ (ingest
   seconds + scorer seconds), floor_ratio = e2e ÷ floor; ingest's CPU per event, every
   new event's Ed25519 signature verified, and the share of that CPU the Merkle tree and
   its signed heads take (issue 14); then what proofs cost over the tree of N entries
   (bench/proofs.py);
3. `tiendo scorer rebuild` (ledger entries per second);
4. `tiendo report build --period 2025` in HTML, PDF and Markdown (seconds), and
   `tiendo score national --as-of 2025-06-30 --json` as a process (median of 3);
5. with both workers running and the ledger topped up to N entries, events published at
   a steady 1,000 per second: the time from each send to the moment its observation is
   readable in the scorer's table, p50 and p99 (bench/latency.py);
5b. the web view (issue 17) over that ledger: `tiendo web serve --workers 2` and 20
   signed-in clients in a second process for 30 s (bench/web.py): p95 of the dashboard,
   a task page and an agency page, and the server's CPU a page;
6. on PostgreSQL, a fresh pipeline of the same N messages ingested by two `ingest run
   --until-idle` processes in one consumer group: events/s ÷ one instance's;
7. the whole of 1–2 again on a second pipeline at N/10: the workers' peak RSS there, and
   rss_growth = the largest worker's peak RSS at N ÷ its peak at N/10.

Writes bench/results/<date>-n<N>.json, appends a row per database to
docs/benchmarks.md, prints each goal of issue 15 met or MISSED, and ends with the line
`bench: ingest_eps=… scorer_eps=… e2e_eps=… floor_ratio=… rebuild_eps=… report_s=…
rss_mb=… rss_growth=… p99_ms=…` (PostgreSQL).

    python -m bench.run --n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
from pathlib import Path
from typing import Any

from shared.clock import utc_now
from shared.config import PROJECT_ROOT

from bench.append import append_figures
from bench.events import Dataset, cache_file, dataset
from bench.goals import GOALS, summary, verdicts
from bench.latency import latency
from bench.pipeline import Pipeline, ingest_pair, say, score_asof, through_pipeline
from bench.proofs import proof_figures
from bench.web import web_figures
from bench.stats import append_row, largest_worker_growth, rate, result_line, table_row, topup_count

KAFKA_VERSION = "4.1.1"  # infra/kafka/pom.xml
RESULTS = PROJECT_ROOT / "bench" / "results"
DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
REPORT_LIMIT_S = 300.0
APPEND_N = 100_000
"""Records bench/append.py admits and stores (issue 15 measured at 100,000)."""
TOPUP_SHARE = 25
"""One message in 25 more than N is generated, to top the ledger up to N entries before
the latency phase (re-sends and bad events record nothing: about 2.3 % of the messages)."""
PAIR_DATABASES = ("postgresql",)
"""Two ingest instances are measured where the goal is (PostgreSQL); SQLite has one writer."""


def bench_database(backend: str, data: Dataset, cache: Path, n: int, steady_n: int, workdir: Path,
                   bootstrap: str, per_second: int) -> dict[str, Any]:
    """Every figure for one database; ``data`` holds the messages of the cache file ``cache``."""
    say(f"{backend}: ingest's own work per event, {min(n, APPEND_N):,} records (bench/append.py)")
    appended = append_figures(min(n, APPEND_N), backend, data.head(min(n, APPEND_N)))
    f: dict[str, Any] = dict(append=appended, admission_us=appended["admission_us"],
                             storage_us=appended["storage_us"])
    say(f"  admission {f['admission_us']:.1f} µs, storage {f['storage_us']:.1f} µs, signature "
        f"{appended['signature_us']:.1f} µs, messages {appended['messages_us']:.1f} µs an event (CPU)")
    say(f"{backend}: N = {n:,}")
    big = Pipeline(backend, f"{backend[:2]}n", workdir, bootstrap)
    try:
        f.update(through_pipeline(big, data.head(n), cache))
        f.update(proof_figures(big.engine, big.tiendo, big.settings.ledger_key_path, big.workdir,
                               [r for r in data.head(n).recorded if r]))
        say(f"  ledger prove in process ({f['prove_count']} events): median {f['prove_median_ms']:.1f} ms, "
            f"p95 {f['prove_p95_ms']:.1f} ms, max {f['prove_max_ms']:.1f} ms; as a command "
            f"{statistics.median(f['prove_command']):.0f} ms (start-up alone "
            f"{statistics.median(f['startup_command']):.0f} ms)")
        if "consistency_count" in f:
            say(f"  ledger consistency over {f['heads']} heads: median {f['consistency_median_ms']:.1f} ms, "
                f"p95 {f['consistency_p95_ms']:.1f} ms; as a command "
                f"{statistics.median(f['consistency_command']):.0f} ms")
        say(f"  verify --against the newest head ({f['against_entries']:,} entries): {f['against_s']:.1f} s in "
            f"process ({f['against_us_per_entry']:.1f} µs an entry, {f['against_cpu_us_per_entry']:.1f} µs CPU); "
            f"the whole `ledger verify --against` {f['verify_command_s']:.1f} s "
            f"({f['verify_command_us_per_entry']:.0f} µs an entry)")
        rebuild, rstats = big.run("scorer", "rebuild")
        f.update(rebuild_s=rebuild.seconds, rebuild_cpu_s=rebuild.cpu_s,
                 rebuild_eps=rate(rstats["entries"], rebuild.seconds), rss_rebuild_mb=rebuild.peak_rss_mb)
        say(f"  rebuild: {rebuild.seconds:.1f} s ({rebuild.cpu_s:.1f} s CPU)")
        report = big.tiendo("report", "build", "--period", "2025", "--format", "html,pdf,md", "--json",
                            "--out", str(big.workdir / "reports")).wait(REPORT_LIMIT_S)
        # Past the limit the build is stopped and its figure is the limit, marked as such:
        # the year-end report grows with the ledger, and the run must end.
        f.update(report_s=report.seconds, report_cpu_s=report.cpu_s, report_finished=report.returncode == 0)
        if report.returncode == 0:
            f["report_pages"] = _pages(report.stdout)
        elif report.seconds < REPORT_LIMIT_S:
            raise RuntimeError(f"tiendo report build failed ({report.returncode}):\n{report.stderr[-3000:]}")
        say(f"  year-end report: {report.seconds:.2f} s ({report.cpu_s:.1f} s CPU)"
            + ("" if f["report_finished"] else f", stopped at the {REPORT_LIMIT_S:.0f} s limit"))
        f.update(score_asof(big))
        # The ledger holds N entries when the steady rate starts (issue 15): the messages
        # that top it up are the warm-up (unmeasured), at least 2 s of them.
        rest = data.tail(n)
        warmup = max(topup_count(rest.recorded, f["ledger_entries"], n), 2 * per_second)
        if len(rest) < warmup + steady_n:
            raise RuntimeError(f"{len(rest):,} messages after N, not the {warmup + steady_n:,} the latency phase needs")
        f.update(latency(big, rest.head(warmup + steady_n), per_second, warmup=warmup))
        say(f"  latency at {per_second}/s with {f['latency_ledger_entries']:,} entries in the ledger: "
            f"p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms")
        say(f"{backend}: the web view over the {f['latency_ledger_entries']:,}-entry ledger (bench/web.py)")
        f.update(web_figures(big.engine, big.env, big.workdir))
    finally:
        big.dispose()
    if backend in PAIR_DATABASES:
        say(f"{backend}: two ingest instances, N = {n:,}")
        pair = Pipeline(backend, f"{backend[:2]}p", workdir, bootstrap)
        try:
            f.update(ingest_pair(pair, data.head(n)))
        finally:
            pair.dispose()
        f["ingest_pair_ratio"] = f["ingest_pair_eps"] / f["ingest_eps"]
        say(f"  two instances ÷ one: {f['ingest_pair_ratio']:.2f}")
    say(f"{backend}: N/10 = {n // 10:,}")
    small = Pipeline(backend, f"{backend[:2]}s", workdir, bootstrap)
    try:
        s = through_pipeline(small, data.head(n // 10), cache)
    finally:
        small.dispose()
    f.update(rss_ingest_small_mb=s["rss_ingest_mb"], rss_scorer_small_mb=s["rss_scorer_mb"], small=s)
    f["rss_mb"] = max(f["rss_ingest_mb"], f["rss_scorer_mb"])
    f["rss_largest_worker"], f["rss_growth"] = largest_worker_growth(
        dict(ingest=f["rss_ingest_mb"], scorer=f["rss_scorer_mb"]),
        dict(ingest=f["rss_ingest_small_mb"], scorer=f["rss_scorer_small_mb"]))
    say(f"  RSS growth N/10 → N: ingest {f['rss_ingest_small_mb']:.0f} → {f['rss_ingest_mb']:.0f} MB, scorer "
        f"{f['rss_scorer_small_mb']:.0f} → {f['rss_scorer_mb']:.0f} MB; the largest ({f['rss_largest_worker']}) "
        f"× {f['rss_growth']:.2f}")
    return f


def _pages(build_output: str) -> int | None:
    """Pages of the PDF `tiendo report build --json` wrote (pypdf comes with the report)."""
    from pypdf import PdfReader

    files = json.loads(build_output)["files"]
    return len(PdfReader(files["pdf"]["path"]).pages) if "pdf" in files else None


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return dict(cpus=os.cpu_count(), cpu=cpu, ram_gb=round(mem_kb / 1024 / 1024), python=platform.python_version(),
                kafka=KAFKA_VERSION)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Events to publish (default 1,000,000).")
    parser.add_argument("--databases", default="sqlite,postgresql", help="Comma-separated: sqlite, postgresql.")
    parser.add_argument("--latency-seconds", type=int, default=30, help="How long to publish at the steady rate.")
    parser.add_argument("--rate", type=int, default=1000, help="The steady rate of the latency phase (events/s).")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.databases.split(",") if b.strip()]
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    workdir = PROJECT_ROOT / "data" / "bench"
    steady_n = args.latency_seconds * args.rate
    # The warm-up of the latency phase is the top-up, or 2 s at the steady rate if more.
    count = args.n + args.n // TOPUP_SHARE + 2 * args.rate + steady_n
    say(f"events: {args.n:,} + {args.n // TOPUP_SHARE + 2 * args.rate:,} to top the ledger up and warm up + "
        f"{steady_n:,} at the steady rate")
    data = dataset(count, workdir / "cache")
    cache = cache_file(count, workdir / "cache")
    started = utc_now()
    day = started.strftime("%Y-%m-%d")
    path = RESULTS / f"{day}-n{args.n}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    # Other work on the machine slows the wall-clock figures: the load and each worker's
    # CPU time (in the JSON) tell how much.
    info = dict(machine(), load_1m_before=os.getloadavg()[0])
    described = (f"{info['cpus']} × {info['cpu']}, {info['ram_gb']} GB, Python {info['python']}, Kafka {info['kafka']}, "
                 f"load {info['load_1m_before']:.1f}")
    goals = [dict(key=g.key, limit=g.limit, at_least=g.at_least, what=g.what, only=g.only) for g in GOALS]
    results: dict[str, dict[str, Any]] = {}
    for b in backends:
        results[b] = bench_database(b, data, cache, args.n, steady_n, workdir, bootstrap, args.rate)
        # Written after each database, so a later failure loses nothing already measured.
        info["load_15m_after"] = os.getloadavg()[2]
        # A run of one database keeps the other's figures of the same day and N.
        earlier = json.loads(path.read_text(encoding="utf-8"))["databases"] if path.exists() else {}
        out = dict(date=started.isoformat(timespec="seconds"), n=args.n, machine=info, goals=goals,
                   databases={**earlier, **{k: dict(figures=f, goals_met=verdicts(k, f)) for k, f in results.items()}})
        path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
        DOC.write_text(append_row(doc, table_row(day, described, args.n, b, results[b])), encoding="utf-8")
        say(f"{b}: results in {path.relative_to(PROJECT_ROOT)} and a row in {DOC.relative_to(PROJECT_ROOT)}")
    say(f"goals of issue 15 (set for N = 1,000,000 on PostgreSQL, 2 cores; this run: N = {args.n:,}):")
    for b, f in results.items():
        for line in summary(b, f):
            say("  " + line)
    line_of = results.get("postgresql") or next(iter(results.values()))
    print(result_line(line_of), flush=True)


if __name__ == "__main__":
    main()
