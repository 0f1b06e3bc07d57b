"""Access: no one writes what they may not.

- An agency's key signs for that agency only: `tiendo ingest publish --key` with one
  agency's key file, given another agency's event, gets it rejected (foreign_signature).
- A revoked key (`tiendo agency key revoke`) verifies nothing sent after the revocation.
- Text an agency sends (a reporter's name, evidence) appears escaped in HTML reports.
- On PostgreSQL the workers' role (tiendo_worker) may INSERT and SELECT ledger rows,
  never UPDATE, DELETE or TRUNCATE them, nor drop or alter the table.

Everything goes through the real commands and worker processes of one pipeline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from shared.db.dead_letters import DeadLetterStore

from chaos.check import Check, tiendo
from chaos.corpus import event
from chaos.pipeline import Pipeline
from chaos.scenarios import ingest_until_idle

OWNER, OTHER, REPORTING = "quang-ninh", "ha-tinh", "thanh-hoa"
SCRIPT = '<script>alert("tiendo")</script>'
IMG = "<img src=x onerror=alert(1)>"


def _run(pipe: Pipeline, *args: str) -> str:
    done = tiendo(pipe.worker_env(), *args)
    if done.returncode != 0:
        raise AssertionError(f"tiendo {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def _publish(pipe: Pipeline, work: Path, name: str, events: list[dict], key_file: Path) -> int:
    """Publish ``events`` signed with ``key_file`` and ingest them; how many were sent."""
    path = work / f"{name}.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), "utf-8")
    _run(pipe, "ingest", "publish", str(path), "--key", str(key_file), "--json")
    problems = ingest_until_idle(pipe, work / "logs")
    if problems:
        raise AssertionError(f"ingest of {name}: {problems}")
    return len(events)


def _reason(pipe: Pipeline, event_id: str) -> str:
    found = [d.reason_code for d in DeadLetterStore(pipe.engine).list(include_requeued=True) if d.event_id == event_id]
    recorded = any(e.event_id == event_id for e in pipe.ledger.entries())
    return "recorded" if recorded else (found[0] if found else "nowhere")


def key_checks(pipe: Pipeline, work: Path) -> tuple[list[Check], int]:
    """One agency's key cannot publish for another; a revoked key publishes nothing.
    The checks (expected "recorded" for the one legitimate event) and events sent."""
    keys = work / "keys"
    for agency in (OWNER, OTHER):
        _run(pipe, "agency", "key", "issue", agency, "--out", str(keys / f"{agency}.key.json"))
    own = event(OWNER, "qn-access-1")
    forged = event(OTHER, "ht-access-1")
    sent = _publish(pipe, work, "scoped", [own, forged], keys / f"{OWNER}.key.json")
    _run(pipe, "agency", "key", "revoke", OWNER)
    late = event(OWNER, "qn-access-2", observed="2025-04-30")
    sent += _publish(pipe, work, "revoked", [late], keys / f"{OWNER}.key.json")
    cases = [
        ("own key", f"{OWNER}'s key file signs {OWNER}'s event", own, "recorded"),
        ("another agency's key", f"{OWNER}'s key file signs {OTHER}'s event", forged, "foreign_signature"),
        ("revoked key", f"{OWNER}'s key, revoked, signs a new event", late, "revoked_key"),
    ]
    return [Check(name, what, want, got, got == want)
            for name, what, e, want in cases for got in [_reason(pipe, e["event_id"])]], sent


def escape_checks(pipe: Pipeline, work: Path) -> tuple[list[Check], int]:
    """A reporter named <script> and evidence carrying <img onerror> show as text; the
    checks (one per document format) and the events sent."""
    key = work / "keys" / f"{REPORTING}.key.json"
    _run(pipe, "agency", "key", "issue", REPORTING, "--out", str(key))
    first = event(REPORTING, "th-esc-1", observed="2025-02-28")
    correction = event(REPORTING, "th-esc-2", kind="correction", observed="2025-02-28", amends="th-esc-1",
                       figure={"type": "ratio", "numerator": 81, "denominator": 100},
                       reporter={"name": SCRIPT, "role": 'Chuyên viên <b>CNTT</b> & "quản trị"'}, evidence=IMG)
    sent = _publish(pipe, work, "escape", [first, correction], key)
    out = work / "escape-report"
    _run(pipe, "report", "build", "--period", "2025-Q1", "--format", "html,md", "--out", str(out), "--json")
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
    """What the workers' PostgreSQL role may do to ledger rows (each attempt rolled back)."""
    engine = create_engine(pipe.db.worker_url)
    attempts = [
        ("SELECT", "SELECT count(*) FROM ledger_entries", True),
        ("INSERT", "INSERT INTO ledger_entries (agency_id, chain_pos, event_id, target_id, kind, observed_at, payload,"
                   " content_digest, prev_hash, hash, recorded_at) VALUES ('ha-noi', 999999, 'x', 't', 'measurement',"
                   " '2025-01-01', '{}', 'd', 'p', 'h', now())", True),
        ("UPDATE", "UPDATE ledger_entries SET payload = '{}'", False),
        ("DELETE", "DELETE FROM ledger_entries", False),
        ("TRUNCATE", "TRUNCATE ledger_entries", False),
        ("DROP", "DROP TABLE ledger_entries", False),
        ("ALTER", "ALTER TABLE ledger_entries DROP CONSTRAINT uq_ledger_chain_pos", False),
    ]
    checks = []
    try:
        for name, sql, allowed in attempts:
            with engine.connect() as conn:
                try:
                    conn.execute(text(sql))
                    got = True
                except ProgrammingError as exc:
                    got = False
                    denial = type(exc.orig).__name__
                conn.rollback()
            observed = "allowed" if got else f"refused ({denial})"
            checks.append(Check(f"tiendo_worker {name}", f"{name} on ledger_entries",
                                "allowed" if allowed else "refused", observed, got == allowed))
    finally:
        engine.dispose()
    return checks
