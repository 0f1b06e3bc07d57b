"""Access: no one writes what they may not.

- An agency's key signs for that agency only: each agency makes its own key pair
  (`tiendo agency key new`), the operator registers the public key (`agency key
  register`); `tiendo ingest publish --key` with one agency's private key file, given
  another agency's event, gets it rejected (foreign_signature).
- A revoked key (`tiendo agency key revoke`) verifies nothing ingest receives after the
  revocation, even with a reported_at backdated before it.
- Text an agency sends (a reporter's name, evidence) appears escaped in HTML reports.
- On PostgreSQL each role does what its service does and nothing else (chaos/roles.py):
  only ingest appends to the ledger and nobody changes it, nobody but the owner writes
  keys or requeues and deletes dead letters, no service moves another's offsets.

Everything goes through the real commands and worker processes of one pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from shared.db.dead_letters import DeadLetterStore

from chaos.check import Check, tiendo
from chaos.corpus import event
from chaos.pipeline import Pipeline
from chaos.roles import check_roles
from chaos.scenarios import ingest_until_idle

OWNER, OTHER, REPORTING = "quang-ninh", "ha-tinh", "thanh-hoa"
SCRIPT = '<script>alert("tiendo")</script>'
IMG = "<img src=x onerror=alert(1)>"


def _run(pipe: Pipeline, *args: str, service: str | None = None) -> str:
    """`tiendo *args` as ``service``'s role, or as the owner (operator commands: keys)."""
    done = tiendo(pipe.worker_env(service), *args)
    if done.returncode != 0:
        raise AssertionError(f"tiendo {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def _publish(pipe: Pipeline, work: Path, name: str, events: list[dict], key_file: Path,
             replay_clock: bool = False) -> int:
    """Publish ``events`` signed with ``key_file`` and ingest them (on their own reported_at
    with ``replay_clock``); how many were sent."""
    path = work / f"{name}.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), "utf-8")
    _run(pipe, "ingest", "publish", str(path), "--key", str(key_file), "--json")
    problems = ingest_until_idle(pipe, work / "logs", replay_clock)
    if problems:
        raise AssertionError(f"ingest of {name}: {problems}")
    return len(events)


def _reason(pipe: Pipeline, event_id: str) -> str:
    found = [d.reason_code for d in DeadLetterStore(pipe.engine).list(include_requeued=True) if d.event_id == event_id]
    recorded = any(e.event_id == event_id for e in pipe.ledger.entries())
    return "recorded" if recorded else (found[0] if found else "nowhere")


def _agency_key(pipe: Pipeline, directory: Path, agency: str, valid_from: str | None = None) -> Path:
    """The agency makes its key pair (`agency key new`); the operator registers its public
    key (`agency key register`, valid from now unless ``valid_from``). The private key
    file's path (it stays with the agency)."""
    _run(pipe, "agency", "key", "new", "--agency", agency, "--out", str(directory), "--json")
    _run(pipe, "agency", "key", "register", agency, "--public-key", str(directory / f"{agency}.pub.pem"),
         "--by", "chaos access", *(["--valid-from", valid_from] if valid_from else []), "--json")
    return directory / f"{agency}.key.pem"


def key_checks(pipe: Pipeline, work: Path) -> tuple[list[Check], int]:
    """One agency's key cannot publish for another; a revoked key publishes nothing, even
    with a reported_at backdated before the revocation. The checks (expected "recorded"
    for the one legitimate event) and events sent."""
    keys = work / "keys"
    own_key = _agency_key(pipe, keys, OWNER)
    _agency_key(pipe, keys, OTHER)
    own = event(OWNER, "qn-access-1")
    forged = event(OTHER, "ht-access-1")
    sent = _publish(pipe, work, "scoped", [own, forged], own_key)
    _run(pipe, "agency", "key", "revoke", OWNER, "--by", "chaos access", "--json")
    late = event(OWNER, "qn-access-2", observed="2025-04-30")  # reported 2025-05-02: before the revocation
    sent += _publish(pipe, work, "revoked", [late], own_key)
    cases = [
        ("own key", f"{OWNER}'s key file signs {OWNER}'s event", own, "recorded"),
        ("another agency's key", f"{OWNER}'s key file signs {OTHER}'s event", forged, "foreign_signature"),
        ("revoked key", f"{OWNER}'s key, revoked, signs an event with reported_at backdated before the revocation",
         late, "revoked_key"),
    ]
    return [Check(name, what, want, got, got == want)
            for name, what, e, want in cases for got in [_reason(pipe, e["event_id"])]], sent


def escape_checks(pipe: Pipeline, work: Path) -> tuple[list[Check], int]:
    """A reporter named <script> and evidence carrying <img onerror> show as text; the
    checks (one per document format) and the events sent. A correction counts in the
    period ingest records it in, and a report is built once its period is over: so the
    two events are replayed on 2025's clock (recorded at their reported_at, in 2025-Q1),
    with a key valid since 2020, as the simulator's are."""
    key = _agency_key(pipe, work / "keys", REPORTING, valid_from="2020-01-01T00:00:00+07:00")
    first = event(REPORTING, "th-esc-1", observed="2025-02-28")
    correction = event(REPORTING, "th-esc-2", kind="correction", observed="2025-02-28", amends="th-esc-1",
                       figure={"type": "ratio", "numerator": 81, "denominator": 100},
                       reporter={"name": SCRIPT, "role": 'Chuyên viên <b>CNTT</b> & "quản trị"'}, evidence=IMG)
    sent = _publish(pipe, work, "escape", [first, correction], key, replay_clock=True)
    out = work / "escape-report"
    _run(pipe, "report", "build", "--period", "2025-Q1", "--format", "html,md", "--out", str(out), "--json",
         service="report")
    checks = []
    for path in sorted(out.glob("*.html")) + sorted(out.glob("*.md")):
        body = _without_figures(path.read_text("utf-8"))
        raw = [s for s in (SCRIPT, IMG, "<b>CNTT") if s in body]
        shown = "&lt;script&gt;" in body and "&lt;img" in body
        checks.append(Check(f"agency text in {path.suffix[1:]}", "reporter <script>, evidence <img onerror>",
                            "escaped, shown as text",
                            f"raw markup: {raw or 'none'}; escaped text shown: {shown}", not raw and shown))
    return checks, sent


def _without_figures(document: str) -> str:
    """The document without its machine-readable figures block (JSON, escaped itself)."""
    return re.sub(r'<script type="application/json".*?</script>|<!-- tiendo-report-figures.*?-->', "", document,
                  flags=re.S)


def role_checks(pipe: Pipeline) -> list[Check]:
    """What each PostgreSQL role (the owner, ingest's, scorer's, report's) may do and may
    not, on this pipeline's database (every attempt rolled back; chaos/roles.py)."""
    return check_roles(pipe.db, pipe.prefix)
