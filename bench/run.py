"""`make bench N=...`: the pipeline's speed against the Kafka client's own limits, on
SQLite and on PostgreSQL, in one run on this machine (issue 8; docs/benchmarks.md).

For each database, on a fresh database and fresh topics:

1. publish N signed simulator events with kafka-python (producer rate), then read them
   with a bare kafka-python consumer that does nothing else (the client's limit);
2. run ingest (replaying 2025's clock: --replay-clock), then the scorer, each as its own
   process until caught up (wall time, start-up included); end to end = N ÷ (ingest
   seconds + scorer seconds); ingest's CPU per event, every new event's Ed25519
   signature verified against the public keys registered before ingest starts, and
   the share of that CPU the Merkle tree and its signed heads take (issue 14);
   then what proofs cost over the tree of N entries (bench/proofs.py);
3. `tiendo scorer rebuild` (ledger entries per second);
4. `tiendo report build --period 2025` in HTML, PDF and Markdown (seconds);
5. the workers' peak RSS at N, and again on a second pipeline at N/10;
6. with both workers running, events published at a steady 1,000 per second: the time
   from each send (the record's timestamp) to the moment its observation is readable in
   the scorer's table, p50 and p99.

Writes bench/results/<date>-n<N>.json, appends a row per database to
docs/benchmarks.md, and ends with the line `bench: e2e_eps=… p99_ms=… ingest_cpu_us=…`
(PostgreSQL).

    python -m bench.run --n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import PROJECT_ROOT, KafkaCredentials, Settings
from shared.db.engine import drop_database, make_engine, migrate
from shared.db.keys import KeyStore
from shared.db.roles import OWNER, role_url
from shared.kafka import Broker

from bench.events import Dataset, dataset, key_ring, register_keys
from bench.proc import Measured, Worker
from bench.proofs import proof_figures
from bench.stats import (append_row, per_event_us, percentile, rate, result_line, serial_rate, share_pct,
                         table_row)



def pg_admin_url() -> str:
    """TIENDO_BENCH_PG_URL, or the local owner with the password `make up` generated."""
    return os.environ.get("TIENDO_BENCH_PG_URL") or role_url(OWNER)
KAFKA_VERSION = "4.1.1"  # infra/kafka/pom.xml
RESULTS = PROJECT_ROOT / "bench" / "results"
DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
REPORT_LIMIT_S = 300.0
GOALS = dict(e2e_eps=20_000, e2e_ratio=0.5, rebuild_eps=200_000, report_s=3.0, rss_mb=300, p99_ms=1000)


def say(message: str) -> None:
    """Progress on stderr, so stdout ends with the result line alone."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Pipeline:
    """One fresh database and one fresh set of topics, and the workers that run on them."""

    def __init__(self, backend: str, label: str, workdir: Path, bootstrap: str) -> None:
        self.backend = backend
        self.workdir = workdir / label
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._pg_name = None
        if backend == "sqlite":
            url = f"sqlite:///{self.workdir / 'tiendo.db'}"
        else:
            self._pg_name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
            with create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self._pg_name}"'))
            url = make_url(pg_admin_url()).set(database=self._pg_name).render_as_string(hide_password=False)
        self.settings = Settings(database_url=url, kafka_bootstrap_servers=bootstrap,
                                 topic_prefix=f"bench-{label}-{uuid.uuid4().hex[:8]}", data_dir=self.workdir,
                                 kafka_credentials=KafkaCredentials.from_env())
        migrate(url)
        self.engine = make_engine(url)
        # The agencies' public keys, registered before any worker starts (ingest verifies
        # every new event's Ed25519 signature against them).
        registered, ring = register_keys(KeyStore(self.engine)), len(key_ring().keys)
        if registered != ring:
            raise RuntimeError(f"only {registered} of the {ring} simulated agencies' keys are registered")
        self.broker = Broker(bootstrap, credentials=self.settings.kafka_credentials)
        self.broker.ensure_topics(self.settings.topics.all(), self.settings.partitions)
        self.retried: list[str] = []
        self.env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "TIENDO_TOPIC_PREFIX": self.settings.topic_prefix, "TIENDO_DATA_DIR": str(self.workdir),
                    "TIENDO_PARTITIONS": str(self.settings.partitions)}

    def publish(self, data: Dataset) -> float:
        """Send every message and wait for the broker's acknowledgements; seconds taken."""
        producer = self.broker.producer()
        topic = self.settings.topics.progress
        started = time.perf_counter()
        for key, value in data.messages:
            producer.send(topic, key, value)
        producer.flush()
        seconds = time.perf_counter() - started
        producer.close()
        return seconds

    def tiendo(self, *args: str) -> Worker:
        """`tiendo ARGS` as a measured child process."""
        return Worker(["-m", "services", *args], env=self.env)

    def run(self, *args: str, limit_s: float = 3600.0) -> tuple[Measured, dict[str, Any]]:
        """`tiendo ARGS --json` to its end (stopped after ``limit_s``); what it measured and printed.

        A worker stopped at the limit is started once more: on a loaded broker a
        kafka-python consumer has been seen to wait for its group coordinator for good,
        and a fresh process goes on from the offsets stored by the first."""
        measured = self.tiendo(*args, "--json").wait(limit_s)
        if measured.returncode == -9 and measured.seconds >= limit_s:
            say(f"  tiendo {' '.join(args)} stopped at the {limit_s:.0f} s limit; once more")
            self.retried.append(" ".join(args))
            measured = self.tiendo(*args, "--json").wait(limit_s)
        if measured.returncode != 0:
            raise RuntimeError(f"tiendo {' '.join(args)} failed ({measured.returncode}):\n{measured.stderr[-3000:]}")
        return measured, json.loads(measured.stdout)

    def scored_since(self, version: int) -> list[tuple[int, str, str]]:
        """(version, agency_id, event_id) of the observations scorer transactions after
        ``version`` committed. By version, not seq: one transaction can hold a higher seq
        (another partition's) than a later one, but versions commit in order."""
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(
                text("SELECT version, agency_id, event_id FROM scorer_observations WHERE version > :v"),
                dict(v=version))]

    def dispose(self) -> None:
        """Drop the database and the topics."""
        self.engine.dispose()
        self.broker.delete_topics(self.settings.topics.all())
        if self._pg_name:
            drop_database(pg_admin_url(), self._pg_name)
        shutil.rmtree(self.workdir, ignore_errors=True)


def through_pipeline(p: Pipeline, data: Dataset) -> dict[str, Any]:
    """Publish, bare consume, ingest, score: rates, and the workers' peak RSS."""
    n = len(data)
    f: dict[str, Any] = {}
    f["produce_s"] = p.publish(data)
    say(f"  published {n:,} in {f['produce_s']:.1f} s")
    bare = Worker(["-m", "bench.bare", "--bootstrap", p.settings.kafka_bootstrap_servers,
                   "--topic", p.settings.topics.progress, "--count", str(n)]).wait()
    if bare.returncode != 0:
        raise RuntimeError(f"bare consumer failed:\n{bare.stderr[-3000:]}")
    f.update(bare_consume_s=bare.seconds, bare_consume_cpu_s=bare.cpu_s)
    say(f"  bare consumer read them in {bare.seconds:.1f} s")
    # A stage slower than 500 events/s is stuck (a consumer that lost its group
    # coordinator on a loaded broker has been seen to): stop rather than wait an hour.
    limit = 300 + n / 500
    # The simulated year is replayed on its own clock: on today's, the provinces that
    # ceased in 2025 could no longer sign, and their events would be refused.
    ingest, istats = p.run("ingest", "run", "--until-idle", "--replay-clock", limit_s=limit)
    expected = sum(1 for r in data.recorded if r)
    if istats["appended"] != expected or istats["consumed"] != n:
        raise RuntimeError(f"ingest appended {istats['appended']} (expected {expected}), consumed {istats['consumed']}")
    f.update(ingest_s=ingest.seconds, ingest_cpu_s=ingest.cpu_s, rss_ingest_mb=ingest.peak_rss_mb,
             ledger_entries=expected, ingest_cpu_us_per_event=per_event_us(ingest.cpu_s, n),
             ingest_cpu_us_per_entry=per_event_us(ingest.cpu_s, expected))
    say(f"  ingest: {ingest.seconds:.1f} s ({ingest.cpu_s:.1f} s CPU, {f['ingest_cpu_us_per_event']:.0f} µs an event "
        f"with Ed25519 verification), peak RSS {ingest.peak_rss_mb:.0f} MB")
    # What the Merkle tree, its signed heads and the receipts cost inside that CPU time
    # (issue 14: tree and heads at most 5 %), timed by the worker itself.
    f.update(tree_cpu_s=istats["tree_cpu_s"], heads_cpu_s=istats["heads_cpu_s"],
             receipts_cpu_s=istats["receipts_cpu_s"],
             tree_heads_pct=share_pct(istats["tree_cpu_s"] + istats["heads_cpu_s"], ingest.cpu_s),
             receipts_pct=share_pct(istats["receipts_cpu_s"], ingest.cpu_s),
             tree_heads_us_per_entry=per_event_us(istats["tree_cpu_s"] + istats["heads_cpu_s"], expected))
    say(f"  tree + heads: {f['tree_cpu_s'] + f['heads_cpu_s']:.2f} s CPU = {f['tree_heads_pct']:.1f} % of ingest's "
        f"(tree {f['tree_cpu_s']:.2f} s, heads {f['heads_cpu_s']:.3f} s; {f['tree_heads_us_per_entry']:.1f} µs an "
        f"entry); building receipts {f['receipts_cpu_s']:.2f} s = {f['receipts_pct']:.1f} %")
    scorer, sstats = p.run("scorer", "run", "--until-idle", limit_s=limit)
    if sstats["applied"] != expected:
        raise RuntimeError(f"scorer applied {sstats['applied']} of {expected} entries")
    f.update(score_s=scorer.seconds, score_cpu_s=scorer.cpu_s, rss_scorer_mb=scorer.peak_rss_mb)
    say(f"  scorer: {scorer.seconds:.1f} s ({scorer.cpu_s:.1f} s CPU), peak RSS {scorer.peak_rss_mb:.0f} MB")
    f.update(produce_eps=rate(n, f["produce_s"]), bare_consume_eps=rate(n, bare.seconds),
             ingest_eps=rate(n, ingest.seconds), score_eps=rate(expected, scorer.seconds),
             e2e_eps=serial_rate(n, ingest.seconds, scorer.seconds))
    f["e2e_ratio"] = f["e2e_eps"] / f["bare_consume_eps"]
    f["retried"] = list(p.retried)
    return f


def latency(p: Pipeline, data: Dataset, per_second: int, warmup: int) -> dict[str, Any]:
    """Publish ``data`` at ``per_second`` with ingest and the scorer running; the time from
    each send to its observation being readable in scorer_observations (polled every
    10 ms, so a figure may be up to one poll late: the measure errs on the slow side)."""
    seen: dict[tuple[str, str], float] = {}
    stop = threading.Event()

    def poll() -> None:
        last = _max_version(p)
        while not stop.is_set():
            rows = p.scored_since(last)
            now = time.time()
            for version, agency_id, event_id in rows:
                seen.setdefault((agency_id, event_id), now)
                last = max(last, version)
            time.sleep(0.01)

    workers = [p.tiendo("ingest", "run", "--replay-clock"), p.tiendo("scorer", "run")]
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    producer = p.broker.producer()
    topic = p.settings.topics.progress
    sent: dict[tuple[str, str], float] = {}
    try:
        # The first `warmup` messages wait for both workers to join their groups; they
        # are not measured.
        for key, value in data.messages[:warmup]:
            producer.send(topic, key, value)
        producer.flush()
        warm = [r for r in data.recorded[:warmup] if r]
        _wait(lambda: all(r in seen for r in warm), 120, "the warm-up events to be scored", workers)
        started = time.perf_counter()
        for i, ((key, value), rec) in enumerate(zip(data.messages[warmup:], data.recorded[warmup:])):
            pause = started + i / per_second - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            if rec:
                sent[rec] = time.time()
            producer.send(topic, key, value)
        producer.flush()
        try:
            _wait(lambda: all(r in seen for r in sent), 120, "the measured events to be scored", workers)
        except TimeoutError:
            pass  # counted below: a figure the pipeline could not keep up with, not a crash
        gave_up = time.time()
    finally:
        stop.set()
        poller.join()
        producer.close()
        for w in workers:
            w.stop()
        ended = [w.wait(60) for w in workers]
    for name, m in zip(("ingest", "scorer"), ended):
        if m.returncode != 0:
            raise RuntimeError(f"the {name} worker failed ({m.returncode}):\n{m.stderr[-3000:]}")
    # An event still unscored when we gave up counts with the time waited so far (less
    # than its real latency): the percentiles can only come out too good, never too bad.
    ms = [(seen.get(r, gave_up) - t) * 1000 for r, t in sent.items()]
    return dict(latency_events=len(ms), latency_unscored=sum(1 for r in sent if r not in seen),
                p50_ms=percentile(ms, 50), p99_ms=percentile(ms, 99), max_ms=max(ms), latency_rate=per_second)


def _pages(build_output: str) -> int | None:
    """Pages of the PDF `tiendo report build --json` wrote (pypdf comes with the report)."""
    from pypdf import PdfReader

    files = json.loads(build_output)["files"]
    return len(PdfReader(files["pdf"]["path"]).pages) if "pdf" in files else None


def _max_version(p: Pipeline) -> int:
    with p.engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(version), 0) FROM scorer_observations")).scalar_one()


def _wait(predicate, timeout_s: float, what: str, workers: list[Worker]) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if any(w.exited() for w in workers):
            raise RuntimeError(f"a worker stopped while waiting for {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def bench_database(backend: str, data: Dataset, n: int, latency_n: int, workdir: Path, bootstrap: str,
                   per_second: int) -> dict[str, Any]:
    """Every figure for one database."""
    say(f"{backend}: N = {n:,}")
    big = Pipeline(backend, f"{backend[:2]}n", workdir, bootstrap)
    try:
        f = through_pipeline(big, data.head(n))
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
        f.update(latency(big, data.tail(n).head(latency_n), per_second, warmup=2 * per_second))
        say(f"  latency at {per_second}/s: p50 {f['p50_ms']:.0f} ms, p99 {f['p99_ms']:.0f} ms")
    finally:
        big.dispose()
    say(f"{backend}: N/10 = {n // 10:,}")
    small = Pipeline(backend, f"{backend[:2]}s", workdir, bootstrap)
    try:
        s = through_pipeline(small, data.head(n // 10))
    finally:
        small.dispose()
    f.update(rss_ingest_small_mb=s["rss_ingest_mb"], rss_scorer_small_mb=s["rss_scorer_mb"],
             small=s)
    f["rss_mb"] = max(f["rss_ingest_mb"], f["rss_scorer_mb"])
    return f


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return dict(cpus=os.cpu_count(), cpu=cpu, ram_gb=round(mem_kb / 1024 / 1024), python=platform.python_version(),
                kafka=KAFKA_VERSION)


def goals(f: dict[str, Any]) -> dict[str, bool]:
    """Which of issue 8's goals a database's figures meet."""
    return dict(e2e_eps=f["e2e_eps"] >= GOALS["e2e_eps"], e2e_ratio=f["e2e_ratio"] >= GOALS["e2e_ratio"],
                rebuild_eps=f["rebuild_eps"] >= GOALS["rebuild_eps"], report_s=f["report_s"] <= GOALS["report_s"],
                rss_mb=max(f["rss_mb"], f["rss_ingest_small_mb"], f["rss_scorer_small_mb"]) <= GOALS["rss_mb"],
                p99_ms=f["p99_ms"] <= GOALS["p99_ms"])


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
    latency_n = (args.latency_seconds + 2) * args.rate
    say(f"events: {args.n:,} + {latency_n:,} for the latency phase")
    data = dataset(args.n + latency_n, workdir / "cache")
    started = datetime.now(timezone.utc)
    day = started.strftime("%Y-%m-%d")
    path = RESULTS / f"{day}-n{args.n}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    # Other work on the machine slows the wall-clock figures: the load and each worker's
    # CPU time (in the JSON) tell how much.
    info = dict(machine(), load_1m_before=os.getloadavg()[0])
    # The load says how much other work shared the machine: it stretches the wall-clock figures.
    described = (f"{info['cpus']} × {info['cpu']}, {info['ram_gb']} GB, Python {info['python']}, Kafka {info['kafka']}, "
                 f"load {info['load_1m_before']:.1f}")
    results: dict[str, dict[str, Any]] = {}
    for b in backends:
        results[b] = bench_database(b, data, args.n, latency_n, workdir, bootstrap, args.rate)
        # Written after each database, so a later failure loses nothing already measured.
        info["load_15m_after"] = os.getloadavg()[2]
        # A run of one database keeps the other's figures of the same day and N.
        earlier = json.loads(path.read_text(encoding="utf-8"))["databases"] if path.exists() else {}
        out = dict(date=started.isoformat(timespec="seconds"), n=args.n, machine=info, goals=GOALS,
                   databases={**earlier, **{k: dict(figures=f, goals_met=goals(f)) for k, f in results.items()}})
        path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
        DOC.write_text(append_row(doc, table_row(day, described, args.n, b, results[b])), encoding="utf-8")
        say(f"{b}: results in {path.relative_to(PROJECT_ROOT)} and a row in {DOC.relative_to(PROJECT_ROOT)}")
    for b, f in results.items():
        say(f"{b}: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in goals(f).items()))
    line_of = results.get("postgresql") or next(iter(results.values()))
    print(result_line(line_of), flush=True)


if __name__ == "__main__":
    main()
