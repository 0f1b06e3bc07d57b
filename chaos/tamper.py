"""Tampering after the fact: ledger rows edited, deleted, reordered or inserted (each on a
copy of a pipeline's database, as its owner: the workers' role may do none of it), then
`tiendo ledger verify` must name the entry where the chain breaks; and a report edited
after it was built must fail `tiendo report verify`.

A chain rewritten from the edit onwards with every later hash recomputed passes ledger
verify (the chain proves integrity, not authorship: whoever can rewrite the table can
recompute it); the report built before the rewrite, which printed the ledger's head
hash, is what catches it. That case is checked too, and reported as such.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Connection, select, update

from shared.db.engine import make_engine
from shared.db.schema import ledger_entries
from shared.domain.chain import entry_hash

from chaos.check import Check, Outcome, tiendo
from chaos.infra import Database, copy_database, drop_database
from chaos.pipeline import Pipeline

REPORT_PERIOD = "2025"


def _env(pipe: Pipeline, db: Database) -> dict[str, str]:
    # `ledger verify` and `report verify` are the operator's (and an auditor's) commands:
    # the owner runs them; no service role reads all they check (key_events).
    return {**pipe.worker_env(), "DATABASE_URL": db.url(), "TIENDO_MIGRATE_URL": db.owner_url}


def _verify(pipe: Pipeline, db: Database) -> tuple[int | None, str]:
    """(seq named by `tiendo ledger verify`, or None when every chain verifies; its words)."""
    done = tiendo(_env(pipe, db), "ledger", "verify", "--json")
    out = json.loads(done.stdout)
    if out["ok"] != (done.returncode == 0):
        raise AssertionError(f"ledger verify: exit code {done.returncode} disagrees with {out}")
    bad = out["first_bad"]
    return (None, "every chain verifies") if bad is None else (bad["seq"], bad["description"])


def _rows(conn: Connection, agency: str) -> list:
    le = ledger_entries
    return list(conn.execute(select(le).where(le.c.agency_id == agency).order_by(le.c.chain_pos)))


def _shift(conn: Connection, agency: str, after: int, by: int) -> None:
    """Move chain positions above ``after`` by ``by`` (through negatives: the unique
    (agency, position) constraint is checked row by row)."""
    le = ledger_entries
    where = (le.c.agency_id == agency) & (le.c.chain_pos > after)
    conn.execute(update(le).where(where).values(chain_pos=-(le.c.chain_pos + by)))
    conn.execute(update(le).where((le.c.agency_id == agency) & (le.c.chain_pos < 0)).values(chain_pos=-le.c.chain_pos))


def _altered(payload: str) -> str:
    event = json.loads(payload)
    figure = event.get("figure") or {}
    if "numerator" in figure:
        figure["numerator"] = max(0, figure["numerator"] - 1) if figure["numerator"] else 1
    elif "count" in figure:
        figure["count"] += 1
    else:
        event["reporter"]["name"] += " (sửa)"
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _edit(conn, agency, k):
    row = _rows(conn, agency)[k]
    conn.execute(update(ledger_entries).where(ledger_entries.c.seq == row.seq).values(payload=_altered(row.payload)))
    return row.seq


def _edit_and_rehash(conn, agency, k):
    rows = _rows(conn, agency)
    row, payload = rows[k], _altered(rows[k].payload)
    conn.execute(update(ledger_entries).where(ledger_entries.c.seq == row.seq).values(
        payload=payload, hash=entry_hash(row.prev_hash, agency, row.chain_pos, row.event_id, payload)))
    return rows[k + 1].seq


def _delete(conn, agency, k):
    rows = _rows(conn, agency)
    conn.execute(ledger_entries.delete().where(ledger_entries.c.seq == rows[k].seq))
    return rows[k + 1].seq


def _reorder(conn, agency, k):
    rows = _rows(conn, agency)
    a, b = rows[k], rows[k + 1]
    le = ledger_entries
    conn.execute(update(le).where(le.c.seq == a.seq).values(chain_pos=-1))
    conn.execute(update(le).where(le.c.seq == b.seq).values(chain_pos=a.chain_pos))
    conn.execute(update(le).where(le.c.seq == a.seq).values(chain_pos=b.chain_pos))
    return b.seq


def _insert(conn, agency, k, forge_hash: bool):
    rows = _rows(conn, agency)
    before = rows[k]
    _shift(conn, agency, before.chain_pos, 1)
    forged = dict(before._mapping)
    del forged["seq"]
    event = json.loads(_altered(before.payload))
    event["event_id"] = forged["event_id"] = f"{before.event_id}-forged"
    forged.update(chain_pos=before.chain_pos + 1, prev_hash=before.hash,
                  payload=json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    forged["hash"] = (entry_hash(before.hash, agency, forged["chain_pos"], forged["event_id"], forged["payload"])
                      if forge_hash else before.hash)
    seq = conn.execute(ledger_entries.insert().returning(ledger_entries.c.seq), forged).scalar_one()
    return rows[k + 1].seq if forge_hash else seq


def _rewrite_tail(conn, agency, k):
    """Edit entry k and recompute every later hash of the chain: the chain verifies."""
    rows = _rows(conn, agency)
    prev = rows[k].prev_hash
    for i, row in enumerate(rows[k:]):
        payload = _altered(row.payload) if i == 0 else row.payload
        h = entry_hash(prev, agency, row.chain_pos, row.event_id, payload)
        conn.execute(update(ledger_entries).where(ledger_entries.c.seq == row.seq).values(
            payload=payload, prev_hash=prev, hash=h))
        prev = h
    return None


LEDGER_TAMPERING: tuple[tuple[str, str, Callable], ...] = (
    ("edit", "an entry's figure changed", _edit),
    ("edit + rehash", "an entry's figure changed and its own hash recomputed", _edit_and_rehash),
    ("delete", "an entry deleted", _delete),
    ("reorder", "two adjacent entries swapped", _reorder),
    ("insert", "a forged entry inserted mid-chain", lambda c, a, k: _insert(c, a, k, forge_hash=False)),
    ("insert + hash", "a forged entry inserted mid-chain with a correctly computed hash",
     lambda c, a, k: _insert(c, a, k, forge_hash=True)),
)


def _longest_chain(pipe: Pipeline) -> tuple[str, int]:
    heads = pipe.ledger.chain_heads()
    agency = max(heads, key=lambda a: heads[a].chain_pos)
    return agency, heads[agency].chain_pos


def _on_copy(pipe: Pipeline, work: Path, tamper: Callable[[Connection], int | None]) -> tuple[Database, int | None]:
    copy = copy_database(pipe.db, work)
    engine = make_engine(copy.owner_url)
    with engine.begin() as conn:
        expected = tamper(conn)
    engine.dispose()
    return copy, expected


def ledger_checks(pipe: Pipeline, work: Path) -> list[Check]:
    """Each ledger tampering on a fresh copy; verify must name the expected entry."""
    agency, length = _longest_chain(pipe)
    pipe.dispose()  # PostgreSQL copies a database only while nobody is connected to it
    if length < 4:
        raise ValueError(f"the longest chain ({agency}) has {length} entries; tampering needs at least 4")
    k = length // 2
    checks = []
    for name, what, tamper in LEDGER_TAMPERING:
        copy, expected = _on_copy(pipe, work, lambda conn: tamper(conn, agency, k))
        try:
            seq, words = _verify(pipe, copy)
        finally:
            drop_database(copy)
        checks.append(Check(name, what, f"verify names entry seq={expected}", f"seq={seq}: {words}",
                            seq == expected))
    return checks


_NATIONAL_MD = re.compile(r"\n\| \d+ \|(?:[^|\n]*\|){3}[^|\n\d]*(\d)")
_NATIONAL_HTML = re.compile(r'<tr><td class="num[^"]*">\d+</td>(?:<td[^>]*>(?:(?!</td>).)*</td>){3}<td class="num[^"]*">[^<\d]*(\d)',
                            re.S)


def _edit_visible_figure(path: Path) -> None:
    """Change a digit of the first national figure in the summary table: the document's
    text, not its machine-readable figures block."""
    text = path.read_text("utf-8")
    match = (_NATIONAL_HTML if path.suffix == ".html" else _NATIONAL_MD).search(text)
    if match is None:
        raise AssertionError(f"{path.name}: no national figure in the summary table to edit")
    at = match.start(1)
    path.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1:], "utf-8")


def report_checks(pipe: Pipeline, work: Path) -> list[Check]:
    """Reports built from the ledger verify; an edited one does not; nor does one built
    before its ledger's chain was rewritten with recomputed hashes."""
    agency, length = _longest_chain(pipe)
    pipe.dispose()
    copy = copy_database(pipe.db, work)
    env = _env(pipe, copy)
    out = work / "reports"
    checks = []
    try:
        built = tiendo(env, "report", "build", "--period", REPORT_PERIOD, "--format", "html,md", "--out", str(out),
                        "--json")
        if built.returncode != 0:
            raise AssertionError(f"report build failed: {built.stderr}")
        files = sorted(out.glob("*.html")) + sorted(out.glob("*.md"))
        for f in files:
            untouched = tiendo(env, "report", "verify", str(f))
            checks.append(Check(f"report as built ({f.suffix[1:]})", "the report as built", "report verify passes",
                                f"exit {untouched.returncode}", untouched.returncode == 0))
        for f in files:
            edited = work / f"edited-{f.name}"
            edited.write_bytes(f.read_bytes())
            _edit_visible_figure(edited)
            done = tiendo(env, "report", "verify", str(edited))
            checks.append(Check(f"report edited ({f.suffix[1:]})", "a figure in the report's text changed",
                                "report verify fails", f"exit {done.returncode}: {_last_line(done)}",
                                done.returncode == 1))
        engine = make_engine(copy.owner_url)
        with engine.begin() as conn:
            _rewrite_tail(conn, agency, length // 2)
        engine.dispose()
        seq, words = _verify(pipe, copy)
        done = tiendo(env, "report", "verify", str(files[0]))
        checks.append(Check("rewrite + rehash chain", "an entry changed and every later hash of its chain recomputed",
                            "ledger verify cannot tell; report verify fails",
                            f"ledger verify: {words}; report verify exit {done.returncode}: {_last_line(done)}",
                            seq is None and done.returncode == 1))
    finally:
        drop_database(copy)
    return checks


def _last_line(done: Outcome) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[-1][:160] if lines else ""
