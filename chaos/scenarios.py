"""The scenarios of a chaos run. Each runs on a pipeline of its own and returns a Result:
what was done to it, what was sent, and the verdict of chaos.check.

- stream runs: the simulated stream published at a steady pace through real worker
  processes (`ingest run`, `scorer run`), with faults at chosen points of the stream,
  each once the workers it is aimed at are at work: SIGKILLs of either worker (restarted at once, as a supervisor would), the broker stopped for a
  while, PostgreSQL stopped and started again;
- bad input: the corpus and the fuzzer's mutants, mixed with valid events, through one
  ingest worker.
Tampering and access attempts are in tamper.py and access.py.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from shared.db import DatabaseUnavailable
from shared.db.outage import until_available
from shared.db.dead_letters import DeadLetterStore
from shared.db.projections import ScorerStore
from shared.db.snapshots import SnapshotReader
from shared.kafka import BrokerUnavailable

from chaos.check import Verdict, verify_ingest, verify_scorer
from chaos.pipeline import Pipeline
from chaos.stream import Expected
from chaos.workers import Publisher, Worker

READY_S = 300.0
"""How long a worker may take to be at work (after a start, a restart or an outage), and
the publisher to reach a fault's point of the stream: a safety bound, never a measure."""
SCORER_TODAY = date(2025, 12, 31)
"""The day the scorer evaluates for: the end of the simulated year, so statuses vary."""
STALL_S = 120.0
"""No ledger, dead-letter or scorer progress for this long with work left is a stall: the
workers' stacks go to their logs (SIGABRT, faulthandler) and the run fails, at once
rather than at a distant timeout."""
HELD_BACK = 0.2
"""The share of the stream, at its end, that is published only once an outage is over:
the ledger must then grow after the service came back, whatever the machine's speed."""
WATCHES = {"ingest": "ledger", "scorer": "scorer"}
"""What grows while each worker is at work: the ledger, or the scorer's applied entries."""


@dataclass
class Fault:
    """Something done to a running pipeline once the first ``at`` messages of its stream
    are published (the rest is held back until it has hit) and the workers it is aimed
    at are at work: ``begin`` breaks something, ``end`` (``down_s`` later) mends it and
    returns the moment (time.monotonic) the service answered again or the killed worker
    was started again. Recovery is timed from then to the growth of ``watch`` (the
    ledger, or the scorer's applied entries)."""

    at: int
    name: str
    begin: Callable[[], None]
    end: Callable[[], float]
    down_s: float = 0.0
    """How long the service stays away: the fault's own length, which no verdict depends on."""
    victim: Worker | None = None
    """The worker a SIGKILL hits (restarted at once; its restart timed for information),
    or None for an outage (which the workers must ride out on their own: no growth
    afterwards fails the run)."""

    @property
    def watch(self) -> str:
        return WATCHES[self.victim.name] if self.victim else "ledger"


@dataclass
class Result:
    """One scenario run on one database."""

    scenario: str
    database: str
    faults: list[str]
    verdict: Verdict
    seconds: float
    recovery_s: list[float] = field(default_factory=list)
    """Per outage: from the service answering again to the ledger growing again."""
    restart_s: list[float] = field(default_factory=list)
    """Per SIGKILL: from the worker's restart to its work growing again (the ledger for
    ingest, the applied entries for the scorer); a worker killed again before it was
    back at work, or with nothing left to do, is not timed."""
    unplanned_exits: dict[str, list[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict.ok and not any(self.unplanned_exits.values())


class _Progress(threading.Thread):
    """Samples the ledger's size and the scorer's applied entries twice a second (None
    while the database is away)."""

    def __init__(self, pipe: Pipeline) -> None:
        super().__init__(daemon=True, name="progress")
        self.pipe = pipe
        self.counters: dict[str, Callable[[], int]] = {
            "ledger": pipe.ledger.ledger_size, "scorer": ScorerStore(pipe.engine).observation_count}
        self.samples: dict[str, list[tuple[float, int | None]]] = {name: [] for name in self.counters}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            for name, count in self.counters.items():
                try:
                    size = count()
                except DatabaseUnavailable:
                    size = None
                self.samples[name].append((time.monotonic(), size))

    def stop(self) -> None:
        self._done.set()
        self.join()

    def grew_after(self, watch: str, moment: float, size: int, before: float = float("inf")) -> float | None:
        """Seconds from ``moment`` to the first sample (taken before ``before``) showing
        ``watch`` past ``size``."""
        return next((t - moment for t, s in self.samples[watch] if moment < t < before and s is not None and s > size),
                    None)


def _until(condition: Callable[[], bool], workers: tuple[Worker, ...], timeout_s: float) -> bool:
    """Wait for ``condition`` (``timeout_s`` is a safety bound), restarting workers that
    exit by themselves meanwhile; whether it held. A database or broker away counts as
    not yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        for w in workers:
            w.restart_if_dead()
        with contextlib.suppress(DatabaseUnavailable, BrokerUnavailable):  # away: not yet
            if condition():
                return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


def kill_schedule(rng: random.Random, workers: list[Worker], kills: int, first: int, end: int,
                  gap: float = 0.25) -> list[Fault]:
    """``kills`` SIGKILLs of each worker at random points of the stream between messages
    ``first`` and ``end``: one in each of ``kills`` equal parts, never in the last ``gap``
    of a part. Two kills of one worker are thus that many messages apart, published only
    after the first (the stream is held back at each fault), so the restarted worker has
    work to be back at before it is killed again. Each kill restarts the worker at once."""
    span = (end - first) / kills
    if span * gap < 1:
        raise ValueError(f"{kills} kills need a longer stream than {end - first} messages")
    faults = []
    for w in workers:
        for i in range(kills):
            at = int(first + i * span + rng.uniform(0, span * (1 - gap)))
            faults.append(Fault(at, f"SIGKILL {w.name}", w.kill, restarted(w.start), victim=w))
    return faults


def restarted(start: Callable[[], None]) -> Callable[[], float]:
    """A fault's ``end``: ``start`` (a worker, a service), then the moment it returned."""
    def end() -> float:
        start()
        return time.monotonic()
    return end


def _drained(pipe: Pipeline, scorer: bool) -> bool:
    """Whether ingest (and the scorer) have consumed and published everything."""
    offsets = pipe.ledger.all_tracked_offsets()

    def caught_up(service: str, topic: str) -> bool:
        stored = offsets.get(pipe.settings.group(service), {})
        return all(stored.get((topic, p), 0) >= end for p, end in pipe.broker.end_offsets(topic).items())

    if not caught_up("ingest", pipe.topics.progress) or pipe.ledger.pending_outbox(limit=1) \
            or pipe.ledger.unpublished_entries(limit=1)[0]:
        return False
    if not scorer:
        return True
    # Applied: held as an observation, or counted without one (an explanation carries no figure).
    return caught_up("scorer", pipe.topics.ledger) and SnapshotReader(pipe.engine).position().applied == \
        pipe.ledger.ledger_size()


def _mark(pipe: Pipeline) -> tuple[int, int, int]:
    """Counts that grow while the pipeline makes progress."""
    dead = sum(DeadLetterStore(pipe.engine).counts_by_reason().values())
    return pipe.ledger.ledger_size(), dead, ScorerStore(pipe.engine).observation_count()


def _wait(pipe: Pipeline, workers: tuple[Worker, ...], done: Callable[[], bool], restart: bool,
          timeout_s: float) -> list[str]:
    """Wait until ``done()``, restarting workers that exit by themselves (when
    ``restart``); the problems met: a stall or the timeout."""
    deadline = time.monotonic() + timeout_s
    mark, moved = None, time.monotonic()
    while True:
        if restart:
            for w in workers:
                w.restart_if_dead()
        try:
            if done():
                return []
            now, current = time.monotonic(), _mark(pipe)
            if current != mark:
                mark, moved = current, now
            elif now - moved > STALL_S:
                for w in workers:
                    w.abort()
                return [f"no progress for {STALL_S:.0f} s with work left: the workers' stacks are in their logs"]
        except (DatabaseUnavailable, BrokerUnavailable):
            pass  # an outage is still being ridden out
        if time.monotonic() > deadline:
            return [f"not done within {timeout_s:.0f} s"]
        time.sleep(1.0)


def stream_run(scenario: str, pipe: Pipeline, expected: Expected, rate: float, faults: list[Fault],
               workers: tuple[Worker, Worker], timeout_s: float = 1800) -> Result:
    """Publish ``expected``'s messages at ``rate`` a second with both workers running,
    inject each of ``faults`` at its point of the stream once the workers it is aimed at
    are at work, wait until everything is consumed, stop the workers (SIGTERM) and check.

    Nothing here waits for a time that depends on the machine: the publisher stops at
    each fault's point until the fault has hit (so the stream is still flowing then),
    and during an outage the stream's tail is held back until the service is back and
    the ledger's size has been read (so the ledger must grow afterwards)."""
    started = time.monotonic()
    faults = sorted(faults, key=lambda f: f.at)
    n = len(expected.messages)
    for w in workers:
        w.start()
    progress = _Progress(pipe)
    progress.start()
    # What each worker's counter stood at when it was last (re)started: it is at work once
    # past it. The database is new, so 0 at first.
    since = {w.name: 0 for w in workers}
    publisher = Publisher(pipe.broker, pipe.topics.progress, expected.messages, rate,
                          allowed=faults[0].at if faults else None)
    publisher.start()
    recovery: list[float] = []
    restarts: list[float] = []
    back_at: list[tuple[Fault, float, int]] = []
    notes: list[str] = []
    try:
        for i, fault in enumerate(faults):
            publisher.allow(fault.at)
            if not _until(lambda: publisher.sent >= fault.at or not publisher.is_alive(), workers, READY_S):
                notes.append(f"the publisher had not reached message {fault.at:,} {READY_S:.0f} s before {fault.name}")
            # Faults are for workers at work: a worker still starting up (a few seconds on
            # a loaded machine) that meets PostgreSQL stopped exits, and that is not what a
            # fault mid-stream means; a worker killed again before it was back at work
            # tests nothing new.
            aimed = (fault.victim,) if fault.victim else workers
            if not _until(lambda: all(progress.counters[WATCHES[w.name]]() > since[w.name] for w in aimed),
                          workers, READY_S):
                notes.append(f"{' and '.join(w.name for w in aimed)} not at work {READY_S:.0f} s before {fault.name}")
            fault.begin()
            if fault.down_s:
                # The agencies go on publishing while the service is away, but not the tail.
                upto = faults[i + 1].at if i + 1 < len(faults) else n
                publisher.allow(min(upto, max(fault.at, n - math.ceil(n * HELD_BACK))))
                time.sleep(fault.down_s)
            back = fault.end()
            # The ledger's size (or the scorer's count) as the service came back or the
            # worker restarted (the harness waits for the database like the workers do):
            # recovery is growth past it.
            size = until_available(progress.counters[fault.watch])
            if fault.victim:
                since[fault.victim.name] = size
            back_at.append((fault, back, size))
        publisher.allow(n)
        notes += _wait(pipe, workers, lambda: not publisher.is_alive() and _drained(pipe, scorer=True), True,
                       timeout_s)
    finally:
        publisher.close()
        for w in workers:
            code = w.stop()
            if code != 0:
                notes.append(f"{w.name} stopped with exit code {code}: {w.log_tail(5)}")
        progress.stop()
    for i, (fault, moment, size) in enumerate(back_at):
        # A kill is timed up to the next kill of the same worker, never across it.
        before = next((m for f, m, _ in back_at[i + 1:] if f.victim and f.name == fault.name), float("inf"))
        took = progress.grew_after(fault.watch, moment, size, before)
        if fault.victim:
            if took is not None:
                restarts.append(took)
        elif took is None:
            notes.append(f"the {fault.watch} did not grow after the service came back")
        else:
            recovery.append(took)
    if publisher.error is not None:
        notes.append(f"publisher failed: {publisher.error!r}")
    verdict = verify_ingest(pipe, expected)
    verify_scorer(pipe, SCORER_TODAY, verdict)
    verdict.problems += notes
    return Result(scenario, pipe.db.backend, [f.name for f in faults], verdict, time.monotonic() - started,
                  recovery, restarts, {w.name: w.unplanned_exits for w in workers})


def stream_workers(pipe: Pipeline, logs: Path, batch_size: int = 1000) -> tuple[Worker, Worker]:
    """The ingest and scorer workers of a stream run (not started). The stream replays
    the simulated 2025, so ingest records each entry at its reported_at (--replay-clock):
    on today's clock the provinces that ceased in 2025 could no longer sign."""
    return (Worker("ingest", ["ingest", "run", "--replay-clock", "--batch-size", str(batch_size)],
                   pipe.worker_env("ingest"), logs / "ingest.log"),
            Worker("scorer", ["scorer", "run", "--today", SCORER_TODAY.isoformat(), "--batch-size", str(batch_size)],
                   pipe.worker_env("scorer"), logs / "scorer.log"))


def ingest_until_idle(pipe: Pipeline, logs: Path, replay_clock: bool = False) -> list[str]:
    """One `ingest run --until-idle` process (with --replay-clock for a replay of the
    simulated 2025): it must consume everything published and exit normally. The
    problems met (a stall, an exit code other than 0)."""
    args = ["ingest", "run", "--until-idle", *(["--replay-clock"] if replay_clock else [])]
    ingest = Worker("ingest", args, pipe.worker_env("ingest"), logs / "ingest.log")
    ingest.start()
    try:
        notes = _wait(pipe, (ingest,), lambda: ingest.proc.poll() is not None, False, 1800)
    finally:
        code = ingest.stop()
    if code != 0:
        notes.append(f"ingest exited with {code}: {ingest.log_tail(5)}")
    return notes


def bad_input_run(scenario: str, pipe: Pipeline, expected: Expected, logs: Path, replay_clock: bool = False) -> Result:
    """Publish every message, then one `ingest run --until-idle` (``replay_clock`` for
    the simulated 2025; the corpus and the fuzzer are judged on today's clock): every bad
    message must become a dead letter, every valid one a ledger entry."""
    started = time.monotonic()
    publisher = Publisher(pipe.broker, pipe.topics.progress, expected.messages)
    publisher.start()
    publisher.join()
    notes = [f"publisher failed: {publisher.error!r}"] if publisher.error else []
    notes += ingest_until_idle(pipe, logs, replay_clock)
    verdict = verify_ingest(pipe, expected)
    verdict.problems += notes
    return Result(scenario, pipe.db.backend, [], verdict, time.monotonic() - started)
