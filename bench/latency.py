"""Publish-to-score latency (issue 15): with both workers running and the ledger already
holding N entries, events published at a steady rate; the time from each send (the
record's timestamp) to the moment its observation is readable in the scorer's table."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text

from shared.db.ledger import LedgerStore

from bench.events import Dataset
from bench.pipeline import Pipeline
from bench.proc import Worker, wait_all
from bench.stats import percentile


def latency(p: Pipeline, data: Dataset, per_second: int, warmup: int) -> dict[str, Any]:
    """Publish ``data`` at ``per_second`` with ingest and the scorer running; the time from
    each send to its observation being readable in scorer_observations (polled every
    10 ms, so a figure may be up to one poll late: the measure errs on the slow side).

    The first ``warmup`` messages are sent at once and not measured: they fill the ledger
    up to the wanted size and let both workers join their groups; the steady rate starts
    once every one of them is scored."""
    seen: dict[tuple[str, str], float] = {}
    stop = threading.Event()

    def poll() -> None:
        last = _max_version(p)
        while not stop.is_set():
            rows = _scored_since(p, last)
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
        for key, value in data.messages[:warmup]:
            producer.send(topic, key, value)
        producer.flush()
        warm = [r for r in data.recorded[:warmup] if r]
        # However slow the machine, 100 events/s through both workers is not stuck.
        _wait(lambda: all(r in seen for r in warm), 120 + warmup / 100, "the warm-up events to be scored", workers)
        entries = LedgerStore(p.engine).ledger_size()
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
        ended = wait_all(workers, 60)
    for name, m in zip(("ingest", "scorer"), ended):
        if m.returncode != 0:
            raise RuntimeError(f"the {name} worker failed ({m.returncode}):\n{m.stderr[-3000:]}")
    # An event still unscored when we gave up counts with the time waited so far (less
    # than its real latency): the percentiles can only come out too good, never too bad.
    ms = [(seen.get(r, gave_up) - t) * 1000 for r, t in sent.items()]
    return dict(latency_events=len(ms), latency_unscored=sum(1 for r in sent if r not in seen),
                latency_ledger_entries=entries, latency_warmup=warmup, p50_ms=percentile(ms, 50),
                p99_ms=percentile(ms, 99), max_ms=max(ms), latency_rate=per_second)


def _scored_since(p: Pipeline, version: int) -> list[tuple[int, str, str]]:
    """(version, agency_id, event_id) of the observations scorer transactions after
    ``version`` committed. By version, not seq: one transaction can hold a higher seq
    (another partition's) than a later one, but versions commit in order."""
    with p.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            text("SELECT version, agency_id, event_id FROM scorer_observations WHERE version > :v"),
            dict(v=version))]


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
