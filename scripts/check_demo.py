"""Checks what `make demo` promises, against the simulator's expectations file:
the ledger holds exactly the events it should, the dead letters hold exactly the
malformed and forged events sent, each with its predicted reason, every chain
verifies, and `tiendo score national --as-of D` prints each seed's figure on its day
exactly (the 2024 results on 31/12/2024, the sessions of 06/02 and 18/03/2025).
Exits 1 naming each difference."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path

from shared.db.dead_letters import DeadLetterStore
from shared.db.ledger import LedgerStore
from shared.domain.chain import first_break
from shared.runtime import Runtime


def differences(expected: dict, runtime: Runtime) -> list[str]:
    """What the pipeline's tables hold that the expectations do not say, and vice versa."""
    problems = []
    ledger = LedgerStore(runtime.engine)
    if ledger.ledger_size() != expected["ledger"]["events"]:
        problems.append(f"ledger has {ledger.ledger_size()} entries, expected {expected['ledger']['events']}")
    bad = first_break(ledger.chain_rows())
    if bad:
        problems.append(bad.describe())
    dead = Counter((d.original, d.reason_code) for d in DeadLetterStore(runtime.engine).list(include_requeued=True))
    sent = Counter((base64.b64decode(r["original_b64"]), r["reason_code"]) for r in expected["rejected"])
    for (original, code), n in (sent - dead).items():
        problems.append(f"missing from the dead letters ({code}): {original[:80]!r}")
    for (original, code), n in (dead - sent).items():
        problems.append(f"unexpected dead letter ({code}): {original[:80]!r}")
    return problems


def national_rows(target_id: str, day: str) -> list[dict]:
    """What `tiendo score national --target … --as-of … --json` prints: the task's rows, one per block."""
    out = subprocess.run(["tiendo", "score", "national", "--target", target_id, "--as-of", day, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["targets"]


def seed_figure_problems(anchors: list[dict]) -> list[str]:
    """Each seed's figure against the national row of its day (the total of the blocks where
    the task has several, else its one block): Σ numerators ÷ Σ denominators or Σ counts,
    exactly, and what it counts against where the seed says (898/1.084, 63/63)."""
    problems = []
    for anchor in anchors:
        rows = national_rows(anchor["target_id"], anchor["on"])
        row = next((r for r in rows if r["block"] == "all"), rows[0] if len(rows) == 1 else None)
        if row is None or row["value"] is None:
            problems.append(f"no national figure of {anchor['target_id']} on {anchor['on']}")
            continue
        figure = Fraction(row["numerator"], row["denominator"]) if row["denominator"] else Fraction(row["value"])
        if figure != Fraction(anchor["value"]) or anchor["total"] not in (None, row["denominator"]):
            problems.append(f"{anchor['target_id']} on {anchor['on']}: {figure} of {row['denominator']}, "
                            f"seed {anchor['seed']} says {anchor['value']} of {anchor['total']} ({anchor['quote']})")
    return problems


def main(path: str) -> int:
    expected = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = differences(expected, Runtime()) + seed_figure_problems(expected["anchors"])
    for p in problems:
        print(f"demo check: {p}", file=sys.stderr)
    if not problems:
        print(f"demo check: ledger {expected['ledger']['events']} entries as expected; "
              f"dead letters exactly the {len(expected['rejected'])} bad events sent, each with its reason; "
              f"the seeds' {len(expected['anchors'])} figures on their days exactly")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
