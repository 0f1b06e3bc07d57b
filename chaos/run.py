"""`make chaos`: every scenario, then docs/reliability.md; the last line printed (and
written) is `chaos: faults=<n> sent=<n> lost=<n> duplicated=<n> bad_inputs=<n> bad_accepted=<n>`.

    python -m chaos.run                                   # the full run (issue 9's figures)
    python -m chaos.run --events 20000 --kills 3 ...      # smaller (tests/integration/test_chaos_small.py)

Needs the shared broker (KAFKA_BOOTSTRAP_SERVERS, default 127.0.0.1:9092) and PostgreSQL
(--pg-url) for the pipelines' topics and databases, which are new and random per run;
the broker that is stopped and the PostgreSQL that is restarted are the run's own,
started and removed by it. Exits 1 when anything was lost, duplicated or let in.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import KafkaCredentials
from shared.db.keys import KeyStore
from shared.db.roles import OWNER, PasswordsMissing, role_url

from services.simulate.keys import store_keys

from chaos import access, corpus, fuzz, tamper, tree_tamper
from chaos.check import Check, Verdict
from chaos.infra import ROOT, OwnBroker, OwnPostgres, drop_database, fresh_database
from chaos.pipeline import Pipeline
from chaos.report import passed, restarts, write_report
from chaos.scenarios import Fault, Result, bad_input_run, kill_schedule, restarted, stream_run, stream_workers
from chaos.stream import simulated

BACKENDS = ("postgresql", "sqlite")
SCENARIOS = ("crash", "broker", "postgres", "bad_input", "tamper", "access")


@dataclass
class Run:
    """Everything a chaos run found, for the report."""

    args: argparse.Namespace
    results: list[Result] = field(default_factory=list)
    corpus_kinds: tuple = ()
    fuzz_operators: dict[str, int] = field(default_factory=dict)
    tampering: list[tuple[str, Check]] = field(default_factory=list)
    access: list[tuple[str, Check]] = field(default_factory=list)
    access_sent: int = 0
    forged: list[Check] = field(default_factory=list)
    """The access checks of forged publications (another agency's key, a revoked key)."""
    seconds: float = 0.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m chaos.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=200_000, help="messages of the crash stream")
    p.add_argument("--kills", type=int, default=10, help="SIGKILLs of each worker during the crash stream")
    p.add_argument("--outage-events", type=int, default=50_000, help="messages of each outage stream")
    p.add_argument("--rate", type=float, default=2000, help="messages per second the agencies publish")
    p.add_argument("--broker-down", type=float, default=10, help="seconds the broker stays stopped")
    p.add_argument("--pg-down", type=float, default=5, help="seconds PostgreSQL stays stopped when restarted")
    p.add_argument("--fuzz", type=int, default=10_000, help="mutated events the fuzzer sends")
    p.add_argument("--databases", default=",".join(BACKENDS), help="postgresql and/or sqlite")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help=", ".join(SCENARIOS))
    p.add_argument("--pg-url", default=os.environ.get("TIENDO_TEST_PG_URL"),
                   help="a PostgreSQL role that may create databases (the pipelines' own are made there); "
                        "default: the local owner, password from the file `make up` wrote")
    p.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:9092")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--out", type=Path, help="write the report here (docs/reliability.md)")
    p.add_argument("--work", type=Path, help="keep logs and databases here (default: a temporary directory)")
    args = p.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.databases = [d for d in args.databases.split(",") if d]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.databases) - set(BACKENDS) | set(args.scenarios) - set(SCENARIOS)
    if unknown:
        p.error(f"unknown: {', '.join(sorted(unknown))}")
    if args.pg_url is None and "postgresql" in args.databases:
        try:
            args.pg_url = role_url(OWNER)
        except PasswordsMissing as exc:
            p.error(str(exc))
    return args


def _say(text: str) -> None:
    print(text, flush=True)


class _Pipelines:
    """Makes each scenario's pipeline (database and topics). Those on the shared broker
    and PostgreSQL are removed afterwards; those on the run's own services go with them."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.count = 0
        self.shared: list[Pipeline] = []
        """Pipelines whose database is on the shared PostgreSQL (or a SQLite file)."""
        self.on_shared_broker: list[Pipeline] = []

    def new(self, backend: str, name: str, bootstrap: str | None = None, admin_url: str | None = None,
            credentials: KafkaCredentials | None = None) -> Pipeline:
        self.count += 1
        directory = self.work / f"{self.count:02d}-{name}-{backend}"
        admin = admin_url or (self.args.pg_url if backend == "postgresql" else None)
        pipe = Pipeline(fresh_database(admin, directory), bootstrap or self.args.bootstrap, directory,
                        **({"credentials": credentials} if credentials else {}))
        if admin_url is None:
            self.shared.append(pipe)
        if bootstrap is None:
            self.on_shared_broker.append(pipe)
        return pipe

    def drop_shared(self) -> None:
        """Remove what the run left on the shared services: databases and topics."""
        for pipe in self.shared:
            pipe.dispose()
            if pipe.db.backend == "postgresql":
                _best_effort(f"drop database {pipe.db.name}", lambda: drop_database(pipe.db))
        for pipe in self.on_shared_broker:
            _best_effort(f"delete topics {pipe.prefix}.*", lambda: pipe.broker.delete_topics(pipe.topics.all()))


def _best_effort(what: str, action) -> None:
    """Clean-up that must not cost the run its report: a failure is said, not raised."""
    try:
        action()
    except Exception as exc:
        _say(f"chaos: could not {what}: {type(exc).__name__}: {exc}")


def crash(run: Run, pipes: _Pipelines, backend: str) -> Result:
    """SIGKILL ingest and scorer `--kills` times each at random points of the stream."""
    a = run.args
    pipe = pipes.new(backend, "crash")
    expected = simulated(pipe.engine, a.events, a.seed)
    workers = stream_workers(pipe, pipe.data_dir / "logs")
    faults = kill_schedule(random.Random(a.seed), list(workers), a.kills, a.events // 20, a.events)
    return stream_run("crash", pipe, expected, a.rate, faults, workers)


def broker_outage(run: Run, pipes: _Pipelines, backend: str) -> Result:
    """The run's own broker stopped for `--broker-down` seconds, 40 % into the stream."""
    a = run.args
    with OwnBroker(pipes.work / f"broker-{backend}") as broker:
        pipe = pipes.new(backend, "broker", bootstrap=broker.bootstrap, credentials=broker.credentials)
        expected = simulated(pipe.engine, a.outage_events, a.seed + 1)
        fault = Fault(int(0.4 * a.outage_events), f"broker stopped {a.broker_down:g} s", broker.down,
                      restarted(broker.up), down_s=a.broker_down)
        result = stream_run("broker outage", pipe, expected, a.rate, [fault],
                            stream_workers(pipe, pipe.data_dir / "logs"))
        pipe.dispose()  # its database, on the shared PostgreSQL, goes with the others at the end
    return result


def postgres_restart(run: Run, pipes: _Pipelines) -> Result:
    """The run's own PostgreSQL cluster stopped (fast) and started again, 40 % in."""
    a = run.args
    with OwnPostgres() as pg:
        pipe = pipes.new("postgresql", "postgres", admin_url=pg.url())
        expected = simulated(pipe.engine, a.outage_events, a.seed + 2)
        fault = Fault(int(0.4 * a.outage_events), f"PostgreSQL restarted ({a.pg_down:g} s down)", pg.stop,
                      restarted(pg.start), down_s=a.pg_down)
        result = stream_run("PostgreSQL restart", pipe, expected, a.rate, [fault],
                            stream_workers(pipe, pipe.data_dir / "logs"))
        pipe.dispose()
    return result


def bad_input(run: Run, pipes: _Pipelines, backend: str) -> list[Result]:
    """The corpus, then the fuzzer's mutants, each mixed with valid events."""
    pipe = pipes.new(backend, "corpus")
    built = corpus.build(KeyStore(pipe.engine))
    run.corpus_kinds = built.kinds
    results = [bad_input_run(f"bad input: corpus ({len(built.kinds)} kinds)", pipe, built.expected,
                             pipe.data_dir / "logs")]
    pipe = pipes.new(backend, "fuzz")
    ring, _ = store_keys(KeyStore(pipe.engine), run.args.seed, fuzz.AGENCIES)
    expected, run.fuzz_operators = fuzz.fuzz_stream(ring.keys, run.args.fuzz, rng_seed=run.args.seed)
    results.append(bad_input_run(f"bad input: fuzzer ({expected.bad:,} mutants)", pipe, expected,
                                 pipe.data_dir / "logs"))
    return results


def tampering(run: Run, pipes: _Pipelines, backend: str) -> list[Result]:
    """A ledger of a few thousand simulated events, then tampered with (on copies)."""
    pipe = pipes.new(backend, "tamper")
    seed = run.args.seed + 3
    expected = simulated(pipe.engine, 3000, seed)
    result = bad_input_run("ledger for tampering", pipe, expected, pipe.data_dir / "logs", replay_clock=True)
    if not result.ok:
        return [result]  # no sound ledger to tamper with: report why
    run.tampering += [(backend, c) for c in tamper.ledger_checks(pipe, pipe.data_dir)]
    run.tampering += [(backend, c) for c in tree_tamper.tree_checks(pipe, pipe.data_dir, seed)]
    run.tampering += [(backend, c) for c in tamper.report_checks(pipe, pipe.data_dir)]
    return []


def access_checks(run: Run, pipes: _Pipelines, backend: str) -> list[Result]:
    """Keys, revocation and escaping on both databases; the workers' role on PostgreSQL."""
    pipe = pipes.new(backend, "access")
    keys, sent = access.key_checks(pipe, pipe.data_dir)
    escapes, more = access.escape_checks(pipe, pipe.data_dir)
    run.access_sent += sent + more
    run.forged += [c for c in keys if c.expected != "recorded"]
    checks = keys + escapes
    if backend == "postgresql":
        checks += access.role_checks(pipe)
    run.access += [(backend, c) for c in checks]
    return []


def _report_result(r: Result) -> None:
    v = r.verdict
    state = "ok" if r.ok else "FAILED"
    _say(f"  {r.scenario} [{r.database}]: {state} in {r.seconds:.0f} s — sent {v.sent:,}, recorded {v.recorded:,} "
         f"of {v.valid:,}, lost {v.lost}, duplicated {v.duplicated}, bad accepted {v.bad_accepted}"
         + (f", recovered in {', '.join(f'{s:.1f} s' for s in r.recovery_s)}" if r.recovery_s else "")
         + (f", back at work {restarts(r)}" if r.restart_s else ""))
    for problem in v.problems:
        _say(f"    problem: {problem}")
    for name, codes in r.unplanned_exits.items():
        if codes:
            _say(f"    {name} exited on its own {len(codes)} time(s): {codes}")


def execute(args: argparse.Namespace) -> Run:
    """Run the chosen scenarios on the chosen databases."""
    run = Run(args)
    work = args.work or Path(tempfile.mkdtemp(prefix="tiendo-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    pipes = _Pipelines(args, work)
    started = time.monotonic()
    try:
        for backend in args.databases:
            steps = [("crash", lambda: [crash(run, pipes, backend)]),
                     ("broker", lambda: [broker_outage(run, pipes, backend)]),
                     ("postgres", lambda: [postgres_restart(run, pipes)]),
                     ("bad_input", lambda: bad_input(run, pipes, backend)),
                     ("tamper", lambda: tampering(run, pipes, backend)),
                     ("access", lambda: access_checks(run, pipes, backend))]
            for name, step in steps:
                # A PostgreSQL restart means nothing to SQLite, which has no server.
                if name in args.scenarios and not (name == "postgres" and backend != "postgresql"):
                    _say(f"chaos: {name} on {backend}…")
                    started_step = time.monotonic()
                    try:
                        results = step()
                    except Exception as exc:  # one scenario's breakdown is reported, the others still run
                        _say("".join(traceback.format_exception(exc)).rstrip())
                        verdict = Verdict(problems=[f"the scenario broke off: {type(exc).__name__}: {exc}"])
                        results = [Result(name, backend, [], verdict, time.monotonic() - started_step)]
                    for result in results:
                        run.results.append(result)
                        _report_result(result)
    finally:
        pipes.drop_shared()
        if args.work is None and all(r.ok for r in run.results):
            shutil.rmtree(work, ignore_errors=True)
        elif args.work is None:
            # A failed run's worker logs are the only account of why: keep them.
            _say(f"chaos: a run failed; its logs and databases are kept in {work}")
    run.seconds = time.monotonic() - started
    return run


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    run = execute(args)
    text, summary = write_report(run)
    if args.out:
        args.out.write_text(text, "utf-8")
        _say(f"chaos: report written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    failed = [c for _, c in run.tampering + run.access if not c.passed]
    for c in failed:
        _say(f"  check failed: {c.name}: expected {c.expected}, saw {c.observed}")
    ok = passed(run)
    _say(summary)
    return 0 if ok else 1


if __name__ == "__main__":
    # SIGTERM (make interrupted, a CI timeout) unwinds like Ctrl-C, so the run's own
    # broker and PostgreSQL cluster are stopped and removed, and its workers stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
