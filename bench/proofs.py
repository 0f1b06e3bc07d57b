"""What proofs cost once ingest has built the Merkle tree over N entries (issue 14):
`ledger prove` in process and as a command, `ledger consistency` likewise, and
`ledger verify --against`, whose check of a kept head reads every leaf below it (O(n) by
design, so its figure is per entry). Every proof timed is also checked, untimed, with
nothing but the ledger's public key: the figures are those of proofs that hold."""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from shared.db.ledger import LedgerStore
from shared.db.tree_audit import extends_head
from shared.domain.proofs import check_proof
from shared.keyfiles import load_public_key_file, public_path

from services.ingest.proving import prove_consistency, prove_inclusion

from bench.proc import Measured, Worker
from bench.stats import percentile

SEED = 14


def proof_figures(engine: Engine, tiendo: Callable[..., Worker], key_path: Path, workdir: Path,
                  recorded: Sequence[tuple[str, str]], samples: int = 200, commands: int = 5) -> dict[str, Any]:
    """Every proof figure for the ledger in ``engine``, whose heads the key at ``key_path``
    signed: ``samples`` random events of ``recorded`` proven in process, ``commands`` of
    them with `tiendo ledger prove` (``tiendo(*args)`` starts one), and so on."""
    rng = random.Random(SEED)
    ledger = LedgerStore(engine)
    name, public_key = load_public_key_file(public_path(key_path))
    picks = rng.sample(list(recorded), min(samples, len(recorded)))
    f: dict[str, Any] = {}

    def checked(proof) -> None:
        problems = check_proof(proof.to_json(), name, public_key)
        if problems:
            raise RuntimeError(f"the bench produced a proof that does not hold: {problems}")

    # The first call opens the connection pool: not a proof's cost, so not timed.
    checked(prove_inclusion(ledger, *picks[0]))
    f.update(_timed_ms("prove", [lambda a=a, e=e: prove_inclusion(ledger, a, e) for a, e in picks], checked))
    f["prove_command"] = [_command_ms(tiendo("ledger", "prove", a, e, "--json")) for a, e in picks[:commands]]
    # What any command costs before it does anything: Python, the CLI's imports, exit.
    f["startup_command"] = [_command_ms(tiendo("ledger", "--help")) for _ in range(commands)]

    sizes = sorted(h.tree_size for h in ledger.tree.heads())
    f["heads"] = len(sizes)
    if len(sizes) > 1:
        pairs = [(sizes[0], sizes[-1])] + [tuple(sorted(rng.sample(sizes, 2))) for _ in range(samples - 1)]
        f.update(_timed_ms("consistency", [lambda a=a, b=b: prove_consistency(ledger.tree, a, b) for a, b in pairs],
                           checked))
        f["consistency_command"] = [_command_ms(tiendo("ledger", "consistency", str(sizes[0]), "--json"))
                                    for _ in range(commands)]

    kept = ledger.tree.latest_head()
    wall, cpu = time.perf_counter(), time.process_time()
    problems = extends_head(ledger, kept, name, public_key)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if problems:
        raise RuntimeError(f"the ledger does not extend its own newest head: {problems}")
    f.update(against_entries=kept.tree_size, against_s=wall, against_cpu_s=cpu,
             against_us_per_entry=wall / kept.tree_size * 1e6, against_cpu_us_per_entry=cpu / kept.tree_size * 1e6)
    head_file = workdir / "kept-head.json"
    head_file.write_text(json.dumps(kept.to_json()), encoding="utf-8")
    verify = tiendo("ledger", "verify", "--against", str(head_file), "--public-key", str(public_path(key_path)),
                    "--json").wait()
    if verify.returncode != 0 or not json.loads(verify.stdout)["ok"]:
        raise RuntimeError(f"ledger verify --against failed ({verify.returncode}):\n{verify.stderr[-3000:]}")
    f.update(verify_command_s=verify.seconds, verify_command_cpu_s=verify.cpu_s,
             verify_command_us_per_entry=verify.seconds / kept.tree_size * 1e6)
    return f


def _timed_ms(what: str, calls: list[Callable[[], Any]], check: Callable[[Any], None]) -> dict[str, float]:
    """Median, p95 and max wall milliseconds of ``calls``, each result checked untimed."""
    ms = []
    for call in calls:
        started = time.perf_counter()
        result = call()
        ms.append((time.perf_counter() - started) * 1000)
        check(result)
    return {f"{what}_count": len(ms), f"{what}_median_ms": statistics.median(ms),
            f"{what}_p95_ms": percentile(ms, 95), f"{what}_max_ms": max(ms)}


def _command_ms(worker: Worker) -> float:
    """Wall milliseconds of a command run to its end; RuntimeError when it failed."""
    measured: Measured = worker.wait(600)
    if measured.returncode != 0:
        raise RuntimeError(f"a ledger command failed ({measured.returncode}):\n{measured.stderr[-3000:]}")
    return measured.seconds * 1000
