"""Checks what `make demo` promises, against the simulator's expectations file:
the ledger holds exactly the events it should, the dead letters hold exactly the
malformed and forged events sent, each with its predicted reason, and every chain
verifies. Exits 1 naming each difference."""

from __future__ import annotations

import base64
import json
import sys
from collections import Counter
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


def main(path: str) -> int:
    expected = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = differences(expected, Runtime())
    for p in problems:
        print(f"demo check: {p}", file=sys.stderr)
    if not problems:
        print(f"demo check: ledger {expected['ledger']['events']} entries as expected; "
              f"dead letters exactly the {len(expected['rejected'])} bad events sent, each with its reason")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
