"""One benchmark pipeline (a fresh database, fresh topics, the workers as processes) and
what `make bench` measures on it: the client's floor, ingest and the scorer one after the
other, two ingest instances side by side, `score national --as-of`."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import KafkaCredentials, Settings
from shared.db.engine import drop_database, make_engine, migrate
from shared.db.keys import KeyStore
from shared.db.roles import OWNER, role_url
from shared.kafka import Broker

from bench.events import Dataset, key_ring, register_keys
from bench.proc import Measured, Worker, wait_all
from bench.stats import floor_rate, per_event_us, rate, serial_rate, share_pct

AS_OF = "2025-06-30"
"""A month end of the simulated year: a day the scorer keeps a snapshot of (issue 15)."""


def say(message: str) -> None:
    """Progress on stderr, so stdout ends with the result line alone."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def pg_admin_url() -> str:
    """TIENDO_BENCH_PG_URL, or the local owner with the password `make up` generated."""
    return os.environ.get("TIENDO_BENCH_PG_URL") or role_url(OWNER)


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
        # The floor's bare producer writes to a topic of its own, partitioned like the rest.
        self.floor_topic = f"{self.settings.topic_prefix}.floor"
        self.broker.ensure_topics([*self.settings.topics.all(), self.floor_topic], self.settings.partitions)
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

    def bare(self, topic: str, count: int, produce_from: Path | None = None) -> tuple[Measured, float]:
        """bench.bare as its own process: reading ``count`` messages of ``topic``, or sending
        the first ``count`` of the cache file ``produce_from`` to it; with the seconds the
        client itself took (start-up and loading the messages left out)."""
        args = ["-m", "bench.bare", "--bootstrap", self.settings.kafka_bootstrap_servers, "--topic", topic,
                "--count", str(count)]
        if produce_from is not None:
            args += ["--produce-from", str(produce_from)]
        m = Worker(args).wait()
        if m.returncode != 0:
            raise RuntimeError(f"bench.bare {'produce' if produce_from else 'consume'} failed:\n{m.stderr[-3000:]}")
        return m, json.loads(m.stdout)["seconds"]

    def dispose(self) -> None:
        """Drop the database and the topics."""
        self.engine.dispose()
        self.broker.delete_topics([*self.settings.topics.all(), self.floor_topic])
        if self._pg_name:
            drop_database(pg_admin_url(), self._pg_name)
        shutil.rmtree(self.workdir, ignore_errors=True)


def stage_limit_s(n: int) -> float:
    """How long a stage over ``n`` events may run: slower than 500 events/s it is stuck (a
    consumer that lost its group coordinator on a loaded broker has been seen to), and
    the run stops rather than wait an hour."""
    return 300 + n / 500


def floor(p: Pipeline, n: int, cache: Path) -> dict[str, Any]:
    """The pipeline's floor (issue 15): a bare consume of the N published messages, a bare
    produce of the same messages (the first ``n`` of ``cache``) and a bare consume of
    what it produced, each the client's own time."""
    consume, consume_s = p.bare(p.settings.topics.progress, n)
    _, produce_s = p.bare(p.floor_topic, n, produce_from=cache)
    _, again_s = p.bare(p.floor_topic, n)
    f = dict(bare_consume_s=consume.seconds, bare_consume_cpu_s=consume.cpu_s,
             bare_consume_eps=rate(n, consume.seconds), floor_consume_eps=rate(n, consume_s),
             floor_produce_eps=rate(n, produce_s), floor_consume_again_eps=rate(n, again_s))
    f["floor_eps"] = floor_rate(f["floor_consume_eps"], f["floor_produce_eps"], f["floor_consume_again_eps"])
    say(f"  floor: bare consume {f['floor_consume_eps']:,.0f}/s, produce {f['floor_produce_eps']:,.0f}/s, "
        f"consume again {f['floor_consume_again_eps']:,.0f}/s: {f['floor_eps']:,.0f} events/s")
    return f


def through_pipeline(p: Pipeline, data: Dataset, cache: Path) -> dict[str, Any]:
    """Publish, the floor, ingest, score: rates, and the workers' peak RSS. ``data`` is
    the first ``len(data)`` messages of the cache file ``cache``."""
    n = len(data)
    f: dict[str, Any] = {}
    f["produce_s"] = p.publish(data)
    say(f"  published {n:,} in {f['produce_s']:.1f} s")
    f.update(floor(p, n, cache))
    limit = stage_limit_s(n)
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
    # An explanation is an entry without a figure: seen and skipped, not applied.
    if sstats["applied"] + sstats["skipped"] != expected:
        raise RuntimeError(f"scorer applied {sstats['applied']} and skipped {sstats['skipped']} of {expected} entries")
    f.update(score_s=scorer.seconds, score_cpu_s=scorer.cpu_s, rss_scorer_mb=scorer.peak_rss_mb)
    say(f"  scorer: {scorer.seconds:.1f} s ({scorer.cpu_s:.1f} s CPU), peak RSS {scorer.peak_rss_mb:.0f} MB")
    f.update(produce_eps=rate(n, f["produce_s"]), ingest_eps=rate(n, ingest.seconds),
             score_eps=rate(expected, scorer.seconds), e2e_eps=serial_rate(n, ingest.seconds, scorer.seconds))
    f["e2e_ratio"] = f["e2e_eps"] / f["bare_consume_eps"]
    f["floor_ratio"] = f["e2e_eps"] / f["floor_eps"]
    say(f"  e2e {f['e2e_eps']:,.0f} events/s = {f['floor_ratio']:.2f} of the floor")
    f["retried"] = list(p.retried)
    return f


def ingest_pair(p: Pipeline, data: Dataset) -> dict[str, Any]:
    """Two `ingest run --until-idle` processes in one consumer group on ``p``'s topics
    (6 partitions, shared between them): ``data`` published, then both started together;
    events per second from the first start to the last exit."""
    n = len(data)
    p.publish(data)
    limit = stage_limit_s(n)
    workers = [p.tiendo("ingest", "run", "--until-idle", "--replay-clock", "--json") for _ in range(2)]
    ended = wait_all(workers, limit)
    for m in ended:
        if m.returncode != 0:
            raise RuntimeError(f"one of two ingest instances failed ({m.returncode}):\n{m.stderr[-3000:]}")
    stats = [json.loads(m.stdout) for m in ended]
    expected = sum(1 for r in data.recorded if r)
    appended = sum(s["appended"] for s in stats)
    if appended != expected:
        raise RuntimeError(f"two ingest instances appended {appended} (expected {expected})")
    seconds = max(w.started + m.seconds for w, m in zip(workers, ended)) - min(w.started for w in workers)
    f = dict(ingest_pair_s=seconds, ingest_pair_eps=rate(n, seconds),
             ingest_pair_consumed=[s["consumed"] for s in stats], ingest_pair_appended=[s["appended"] for s in stats],
             ingest_pair_cpu_s=[m.cpu_s for m in ended], rss_ingest_pair_mb=[m.peak_rss_mb for m in ended])
    say(f"  two ingest instances: {seconds:.1f} s, {f['ingest_pair_eps']:,.0f} events/s "
        f"(consumed {' + '.join(str(c) for c in f['ingest_pair_consumed'])})")
    return f


def score_asof(p: Pipeline, runs: int = 3) -> dict[str, Any]:
    """`tiendo score national --as-of AS_OF --json` as a process (start-up included),
    ``runs`` times: the median wall time, and each."""
    seconds = []
    for _ in range(runs):
        m = p.tiendo("score", "national", "--as-of", AS_OF, "--json").wait(600)
        if m.returncode != 0:
            raise RuntimeError(f"tiendo score national --as-of {AS_OF} failed ({m.returncode}):\n{m.stderr[-3000:]}")
        seconds.append(m.seconds)
    say(f"  score national --as-of {AS_OF}: median {statistics.median(seconds):.2f} s of {runs} "
        f"({', '.join(f'{s:.2f}' for s in seconds)})")
    return dict(score_asof_s=statistics.median(seconds), score_asof_runs=seconds)
