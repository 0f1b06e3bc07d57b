"""The scenarios of a chaos run. Each runs on a pipeline of its own and returns a Result:
what was done to it, what was sent, and the verdict of chaos.check.

- stream runs: the simulated stream published at a steady pace through real worker
  processes (`ingest run`, `scorer run`), with faults at scheduled moments: SIGKILLs of
  either worker (restarted at once, as a supervisor would), the broker stopped for a
  while, PostgreSQL stopped and started again;
- bad input: the corpus and the fuzzer's mutants, mixed with valid events, through one
  ingest worker.
Tampering and access attempts are in tamper.py and access.py.
"""

from __future__ import annotations

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
"""How long the workers of a stream run may take to start doing something."""
SCORER_TODAY = date(2025, 12, 31)
"""The day the scorer evaluates for: the end of the simulated year, so statuses vary."""
STALL_S = 120.0
"""No ledger, dead-letter or scorer progress for this long with work left is a stall: the
workers' stacks go to their logs (SIGABRT, faulthandler) and the run fails, at once
rather than at a distant timeout."""


@dataclass
class Fault:
    """Something done to a running pipeline ``at_s`` seconds into its stream. ``act``
    returns when it is over: the moment (time.monotonic) the service answered again or
    the killed worker was started again, from which recovery is timed, as the time until
    ``watch`` (the ledger, or the scorer's applied entries) grows."""

    at_s: float
    name: str
    act: Callable[[], float | None]
    watch: str = "ledger"
    kill: bool = False
    """A SIGKILL (a restart timed for information) rather than an outage (which the
    workers must recover from on their own: no growth afterwards fails the run)."""


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


def _at_work(progress: _Progress, workers: tuple[Worker, ...], timeout_s: float) -> float | None:
    """The moment both the ledger and the scorer's applied entries had grown (the
    workers at work), or None after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for w in workers:
            w.restart_if_dead()
        samples = progress.samples
        if all(any(size for _, size in samples[name]) for name in samples):
            return time.monotonic()
        time.sleep(0.1)
    return None


def kill_schedule(rng: random.Random, workers: list[Worker], kills: int, start_s: float, end_s: float,
                  min_gap_s: float = 4.0) -> list[Fault]:
    """``kills`` SIGKILLs of each worker at random moments between ``start_s`` and
    ``end_s``, one in each of ``kills`` equal slots and at least ``min_gap_s`` apart (so
    the restarted process has started before it is killed again); each restarts it."""
    span = (end_s - start_s) / kills
    if span <= min_gap_s:
        raise ValueError(f"{kills} kills need more than {kills * min_gap_s:.0f} s of stream; make it longer")
    faults = []
    for w in workers:
        for i in range(kills):
            at = start_s + i * span + rng.uniform(0, span - min_gap_s)
            faults.append(Fault(at, f"SIGKILL {w.name}", _killer(w), watch="scorer" if w.name == "scorer" else "ledger",
                                kill=True))
    return faults


def _killer(w: Worker) -> Callable[[], float]:
    def act() -> float:
        w.kill()
        w.start()
        return time.monotonic()
    return act


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


def stream_run(scenario: str, pipe: Pipeline, expected: Expected, duration_s: float, faults: list[Fault],
               workers: tuple[Worker, Worker], timeout_s: float = 1800) -> Result:
    """Publish ``expected``'s messages over ``duration_s`` with both workers running,
    inject ``faults`` on schedule, wait until everything is consumed, stop the workers
    (SIGTERM) and check."""
    started = time.monotonic()
    for w in workers:
        w.start()
    progress = _Progress(pipe)
    progress.start()
    publisher = Publisher(pipe.broker, pipe.topics.progress, expected.messages, duration_s)
    publisher.start()
    t0 = time.monotonic()
    recovery: list[float] = []
    restarts: list[float] = []
    back_at: list[tuple[Fault, float, int]] = []
    notes: list[str] = []
    try:
        # Faults are for workers at work: a worker still starting up (a few seconds on a
        # loaded machine) that meets PostgreSQL stopped exits, and that is not what a
        # fault "mid-stream" means. So the schedule is pushed back, as a whole, until
        # both have done something (the ledger and the scorer's entries have grown).
        ready = _at_work(progress, workers, READY_S)
        if ready is None:
            notes.append(f"the workers had done nothing {READY_S:.0f} s after they started")
            ready = time.monotonic()
        first = min((f.at_s for f in faults), default=0.0)
        shift = max(0.0, ready - (t0 + first))
        for fault in sorted(faults, key=lambda f: f.at_s):
            while time.monotonic() < t0 + fault.at_s + shift:
                for w in workers:
                    w.restart_if_dead()
                time.sleep(0.1)
            back = fault.act()
            if back is not None:
                # The ledger's size (or the scorer's count) as the service came back or the
                # worker restarted (the harness waits for the database like the workers
                # do): recovery is growth past it.
                back_at.append((fault, back, until_available(progress.counters[fault.watch])))
        notes += _wait(pipe, workers, lambda: not publisher.is_alive() and _drained(pipe, scorer=True), True,
                       timeout_s)
    finally:
        for w in workers:
            code = w.stop()
            if code != 0:
                notes.append(f"{w.name} stopped with exit code {code}: {w.log_tail(5)}")
        progress.stop()
    for i, (fault, moment, size) in enumerate(back_at):
        # A kill is timed up to the next kill of the same worker, never across it.
        before = next((m for f, m, _ in back_at[i + 1:] if f.kill and f.name == fault.name), float("inf"))
        took = progress.grew_after(fault.watch, moment, size, before)
        if fault.kill:
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
    publisher = Publisher(pipe.broker, pipe.topics.progress, expected.messages, duration_s=0)
    publisher.start()
    publisher.join()
    notes = [f"publisher failed: {publisher.error!r}"] if publisher.error else []
    notes += ingest_until_idle(pipe, logs, replay_clock)
    verdict = verify_ingest(pipe, expected)
    verdict.problems += notes
    return Result(scenario, pipe.db.backend, [], verdict, time.monotonic() - started)
