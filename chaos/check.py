"""Counting, after a run, what was lost, duplicated, misfiled or let in.

The ledger must hold exactly the distinct valid events sent (no more, no fewer, each
once), every bad message must have exactly one dead letter with its reason, the hash
chains must verify, the ledger topic must announce every entry, and the scorer must have
applied every entry once, with projections equal to a rebuild from the ledger.
"""

from __future__ import annotations

import json
import signal
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from click.testing import CliRunner

from shared.db.dead_letters import DeadLetterStore
from shared.db.keys import KeyStore
from shared.db.projections import ScorerStore
from shared.domain.audit import entry_check
from shared.domain.chain import first_break
from shared.scoring.projector import Projector

from services.cli import main
from services.scorer.replay import rebuild

from chaos.pipeline import Pipeline
from chaos.stream import Expected


@dataclass
class Check:
    """One attempt (a tampering, an access) and what was seen."""

    name: str
    what: str
    expected: str
    observed: str
    passed: bool


@dataclass
class Outcome:
    """What a `tiendo` command printed and its exit status."""

    returncode: int
    stdout: str
    stderr: str


def tiendo(env: dict[str, str], *args: str) -> Outcome:
    """`tiendo ARGS`, the command operators run, with ``env`` as its environment. It runs
    in this process (the imports are paid once, not per command); the signal handlers a
    worker command installs are put back afterwards."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = CliRunner().invoke(main, list(args), env=env)
    finally:
        for s, handler in handlers.items():
            signal.signal(s, handler)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Outcome(result.exit_code, result.stdout, stderr)


@dataclass
class Verdict:
    """What became of one run's messages."""

    sent: int = 0
    valid: int = 0
    """Distinct valid events sent."""
    recorded: int = 0
    bad: int = 0
    lost_valid: int = 0
    lost_bad: int = 0
    """Bad messages with no dead letter."""
    duplicated: int = 0
    """Ledger entries, dead letters or scorer applications beyond one per message."""
    bad_accepted: int = 0
    wrong_reason: int = 0
    projections_match: bool | None = None
    """Whether the scorer's projections equal a rebuild (None: no scorer in the run)."""
    dead_letters: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.lost_valid + self.lost_bad

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.bad_accepted or self.wrong_reason or self.problems)


def _match_dead_letters(expected: Counter, found: list[tuple[bytes, str]], v: Verdict) -> None:
    """Pair each expected bad message with a dead letter of the same bytes, preferring
    one with the expected reason (None: any reason will do)."""
    left: dict[bytes, Counter] = {}
    for original, reason in found:
        left.setdefault(original, Counter())[reason] += 1
    # Specific reasons first, so that a wildcard never takes the dead letter they need.
    for (original, reason), n in sorted(expected.items(), key=lambda item: item[0][1] is None):
        reasons = left.setdefault(original, Counter())
        for _ in range(n):
            if reasons.total() == 0:
                v.lost_bad += 1
                continue
            if reason is not None and reasons[reason] == 0:
                v.wrong_reason += 1
            taken = reason if reason is not None and reasons[reason] else next(r for r, c in reasons.items() if c)
            reasons[taken] -= 1
    bad_bytes = {original for original, _ in expected}
    for original, reasons in left.items():
        if reasons.total() and original in bad_bytes:
            v.duplicated += reasons.total()
        elif reasons.total():
            v.problems.append(f"{reasons.total()} dead letter(s) for a message that was not bad: {original[:80]!r}")


def verify_ingest(pipe: Pipeline, expected: Expected) -> Verdict:
    """The ledger, the dead letters, the chains and the ledger topic against ``expected``."""
    v = Verdict(sent=len(expected.messages), valid=len(expected.recorded), bad=expected.bad)
    keys = [(e.agency_id, e.event_id) for e in pipe.ledger.entries()]
    recorded = set(keys)
    v.recorded = len(keys)
    v.duplicated += len(keys) - len(recorded)
    v.lost_valid = len(expected.recorded - recorded)
    v.bad_accepted = len(recorded - expected.recorded)
    dead = DeadLetterStore(pipe.engine).list(include_requeued=True)
    v.dead_letters = Counter(d.reason_code for d in dead)
    _match_dead_letters(expected.rejected, [(d.original, d.reason_code) for d in dead], v)
    # What `tiendo ledger verify` checks: the chains, every column against its payload,
    # every signature under the key registered at the entry's recorded time.
    broken = first_break(pipe.ledger.chain_rows(), entry_check(KeyStore(pipe.engine).all()))
    if broken is not None:
        v.problems.append(f"ledger verify: {broken.describe()}")
    if pipe.ledger.pending_outbox(limit=1) or pipe.ledger.unpublished_entries(limit=1)[0]:
        v.problems.append("the outbox (or the ledger, as its own) still holds unpublished messages")
    entries = {(e.agency_id, e.chain_pos, e.hash) for e in pipe.ledger.entries()}
    announced = {(m["agency_id"], m["chain_pos"], m["hash"])
                 for m in (json.loads(r.value) for r in pipe.broker.read_all(pipe.topics.ledger, timeout_s=300))}
    if announced != entries:
        v.problems.append(f"the ledger topic announces {len(announced - entries)} entries the ledger lacks and "
                          f"misses {len(entries - announced)} of its entries")
    return v


def verify_scorer(pipe: Pipeline, today: date, v: Verdict) -> None:
    """Every ledger entry applied exactly once, and the projections the workers kept
    equal to `scorer rebuild` (which replaces them: run it last)."""
    store = ScorerStore(pipe.engine)
    seqs = {e.seq for e in pipe.ledger.entries()}
    snap = store.snapshot()
    # Applied: held as an observation, or counted without one (an explanation, an unreadable entry).
    applied = [row["seq"] for row in snap.observations] + snap.skipped
    if len(applied) != len(set(applied)):
        v.duplicated += len(applied) - len(set(applied))
    if set(applied) != seqs:
        v.problems.append(f"the scorer applied {len(set(applied) - seqs)} entries not in the ledger and "
                          f"missed {len(seqs - set(applied))}")
    alerts = store.alerts()
    v.duplicated += len(alerts) - len({(a["agency_id"], a["target_id"], a["threshold"]) for a in alerts})
    kept = store.projection_rows()
    rebuild(store, pipe.ledger, Projector(), today)
    rebuilt = store.projection_rows()
    v.projections_match = rebuilt == kept
    if not v.projections_match:
        v.problems.append("the projections the workers kept differ from a rebuild from the ledger: "
                          + projection_difference(kept, rebuilt))


def projection_difference(kept: dict[str, list[dict]], rebuilt: dict[str, list[dict]]) -> str:
    """Where two sets of projection rows first differ, table by table (for the verdict)."""
    parts = []
    for table in sorted(kept.keys() | rebuilt.keys()):
        a, b = kept.get(table, []), rebuilt.get(table, [])
        if a == b:
            continue
        first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        x = a[first] if first < len(a) else {}
        y = b[first] if first < len(b) else {}
        columns = sorted(k for k in x.keys() | y.keys() if x.get(k) != y.get(k))
        where = {k: (x or y)[k] for k in ("agency_id", "target_id", "block", "kind") if k in (x or y)}
        parts.append(f"{table} ({len(a)} rows kept, {len(b)} rebuilt; first at row {first} {where}: "
                     + ", ".join(f"{c} {x.get(c)!r} kept, {y.get(c)!r} rebuilt" for c in columns[:4]) + ")")
    return "; ".join(parts)
