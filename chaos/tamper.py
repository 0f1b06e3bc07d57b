"""Tampering after the fact: ledger rows edited, deleted, reordered or inserted (each on a
copy of a pipeline's database, as its owner: the services' roles may do none of it),
then `tiendo ledger verify` must name the entry where the chain breaks; and a report
edited after it was built (a figure in its text, two of its charts swapped, an annotation
laid over the signed PDF) must fail `tiendo report verify`, which names the change.

Every stored column of a row is covered (issue 13): changing any one of them — the
hashed ones (agency_id, chain_pos, event_id, payload, recorded_at, prev_hash, hash) and
the ones derived from the payload that the scorer and the report read (target_id, kind,
observed_at, amends, content_digest), and its place in the Merkle tree (leaf_index, issue
14) — makes verify name that entry. So does a payload changed with every derived column
and every later hash of its chain recomputed (the
chain proves integrity, not authorship: whoever can rewrite the table can recompute it,
but not the agency's Ed25519 signature, which verify checks against the key registered
at the entry's recorded time), and a forged entry appended at a chain's head with its
columns and hash computed as ingest would.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Connection, func, select, update

from shared.db.engine import make_engine
from shared.db.schema import ledger_entries
from shared.domain.agencies import all_agencies
from shared.domain.chain import content_digest, entry_hash
from shared.keyfiles import SigningKey

from services.simulate.wire import encode, signed

from chaos.check import Check, Outcome, tiendo
from chaos.infra import Database, copy_database, drop_database
from chaos.pipeline import Pipeline

REPORT_PERIOD = "2025"


def _env(pipe: Pipeline, db: Database) -> dict[str, str]:
    # `ledger verify` and `report verify` are the operator's (and an auditor's) commands:
    # the owner runs them; no service role reads all they check (key_events).
    return {**pipe.worker_env(), "DATABASE_URL": db.url(), "TIENDO_MIGRATE_URL": db.owner_url}


def _verify(pipe: Pipeline, db: Database) -> tuple[int | None, str]:
    """(seq named by `tiendo ledger verify`, None when it passes, -1 when it fails naming
    no entry; its words). The first entry a chain check names, else the first the other
    checks name (the Merkle tree's: no chain shows a changed leaf_index)."""
    done = tiendo(_env(pipe, db), "ledger", "verify", "--json")
    try:
        out = json.loads(done.stdout)
    except ValueError as exc:
        raise AssertionError(f"ledger verify printed no JSON (exit {done.returncode}): {done.stdout}{done.stderr}") \
            from exc
    if out["ok"] != (done.returncode == 0):
        raise AssertionError(f"ledger verify: exit code {done.returncode} disagrees with {out}")
    bad = out["first_bad"]
    if bad is not None:
        return bad["seq"], bad["description"]
    if out["problems"]:
        named = re.search(r"\bentry seq=(\d+)", out["problems"][0])
        return (int(named[1]) if named else -1), out["problems"][0]
    return None, "every chain verifies"


def _rows(conn: Connection, agency: str) -> list:
    le = ledger_entries
    return list(conn.execute(select(le).where(le.c.agency_id == agency).order_by(le.c.chain_pos)))


def _set(conn: Connection, seq: int, **values) -> None:
    conn.execute(update(ledger_entries).where(ledger_entries.c.seq == seq).values(**values))


def _shift(conn: Connection, agency: str, after: int, by: int) -> None:
    """Move chain positions above ``after`` by ``by`` (through negatives: the unique
    (agency, position) constraint is checked row by row)."""
    le = ledger_entries
    where = (le.c.agency_id == agency) & (le.c.chain_pos > after)
    conn.execute(update(le).where(where).values(chain_pos=-(le.c.chain_pos + by)))
    conn.execute(update(le).where((le.c.agency_id == agency) & (le.c.chain_pos < 0)).values(chain_pos=-le.c.chain_pos))


def _dumps(event: dict) -> str:
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _altered(payload: str) -> str:
    """The payload with its figure changed (the signature left as it was)."""
    event = json.loads(payload)
    figure = event.get("figure") or {}
    if "numerator" in figure:
        figure["numerator"] = max(0, figure["numerator"] - 1) if figure["numerator"] else 1
    elif "count" in figure:
        figure["count"] += 1
    else:
        event["reporter"]["name"] += " (sửa)"
    return _dumps(event)


def _derived(payload: str) -> dict:
    """The columns ingest derives from a payload, as it would write them."""
    event = json.loads(payload)
    unsigned = {k: v for k, v in event.items() if k != "signature"}
    return dict(event_id=event["event_id"], agency_id=event["agency_id"], target_id=event["target_id"],
                kind=event["kind"], observed_at=date.fromisoformat(event["observed_at"]), amends=event.get("amends"),
                content_digest=content_digest(encode(unsigned)), payload=payload)


def _hash(row_or_values, prev_hash: str, payload: str | None = None) -> str:
    v = row_or_values if isinstance(row_or_values, dict) else row_or_values._mapping
    return entry_hash(prev_hash, v["agency_id"], v["chain_pos"], v["event_id"], payload or v["payload"],
                      v["recorded_at"])


# ---- one column changed --------------------------------------------------------------------
def _column(name: str, change: Callable[[Connection, list, int], dict], head: bool = False):
    """Change column ``name`` of entry k (of the chain's head with ``head``); verify must
    name that entry."""

    def tamper(conn: Connection, agency: str, k: int) -> int:
        rows = _rows(conn, agency)
        i = len(rows) - 1 if head else k
        _set(conn, rows[i].seq, **change(conn, rows, i))
        return rows[i].seq

    tamper.__name__ = f"column_{name}"
    return tamper


def _other_agency(conn: Connection, rows: list, i: int) -> dict:
    """Attribute the entry to an agency with no chain in this ledger (so that no unique
    position is taken): its chain then starts at position k, not 1."""
    present = set(conn.execute(select(ledger_entries.c.agency_id).distinct()).scalars())
    # A full run's ledger holds every agency of the registry: then an id nobody has.
    other = next((a.id for a in all_agencies() if a.id not in present), "co-quan-gia-mao")
    return dict(agency_id=other)


def _other_target(row) -> str:
    return "dossiers_with_personal_id" if row.target_id != "dossiers_with_personal_id" else "online_dossier_rate"


COLUMN_TAMPERING: tuple[tuple[str, Callable], ...] = (
    ("target_id", _column("target_id", lambda c, r, i: dict(target_id=_other_target(r[i])))),
    ("kind", _column("kind", lambda c, r, i: dict(kind="measurement" if r[i].kind == "correction" else "correction"))),
    ("observed_at", _column("observed_at", lambda c, r, i: dict(observed_at=r[i].observed_at - timedelta(days=1)))),
    ("amends", _column("amends", lambda c, r, i: dict(amends=None if r[i].amends else r[0].event_id))),
    ("content_digest", _column("content_digest", lambda c, r, i: dict(content_digest=content_digest(b"other")))),
    ("recorded_at", _column("recorded_at", lambda c, r, i: dict(recorded_at=r[i].recorded_at - timedelta(seconds=1)))),
    ("payload", _column("payload", lambda c, r, i: dict(payload=_altered(r[i].payload)))),
    ("event_id", _column("event_id", lambda c, r, i: dict(event_id=f"{r[i].event_id}-x"))),
    ("agency_id", _column("agency_id", _other_agency)),
    # The head's position moved past a gap (anywhere else the entry after it would be
    # the first out of place).
    ("chain_pos", _column("chain_pos", lambda c, r, i: dict(chain_pos=r[i].chain_pos + 1), head=True)),
    ("prev_hash", _column("prev_hash", lambda c, r, i: dict(prev_hash=r[i - 1].prev_hash))),
    ("hash", _column("hash", lambda c, r, i: dict(hash=r[i + 1].hash))),
    # Moved out of the Merkle tree, to the next free index (each is unique).
    ("leaf_index", _column("leaf_index", lambda c, r, i: dict(leaf_index=_next_leaf(c)))),
)
"""Every stored column of ledger_entries but its surrogate key ``seq``."""


# ---- rows changed, removed, added -------------------------------------------------------------
def _edit(conn, agency, k):
    row = _rows(conn, agency)[k]
    _set(conn, row.seq, payload=_altered(row.payload))
    return row.seq


def _edit_and_rehash(conn, agency, k):
    """The figure changed, every derived column and the entry's own hash recomputed."""
    row = _rows(conn, agency)[k]
    values = _derived(_altered(row.payload))
    _set(conn, row.seq, **values, hash=_hash(row, row.prev_hash, values["payload"]))
    return row.seq


def _delete(conn, agency, k):
    rows = _rows(conn, agency)
    conn.execute(ledger_entries.delete().where(ledger_entries.c.seq == rows[k].seq))
    return rows[k + 1].seq


def _reorder(conn, agency, k):
    rows = _rows(conn, agency)
    a, b = rows[k], rows[k + 1]
    _set(conn, a.seq, chain_pos=-1)
    _set(conn, b.seq, chain_pos=a.chain_pos)
    _set(conn, a.seq, chain_pos=b.chain_pos)
    return b.seq


def _forged_event(before, event_id: str) -> str:
    """A new event in the agency's name: a copy of ``before`` with another id and figure,
    signed with a private key nobody registered under the id of the agency's real key
    (what anyone who can read everything Tiến độ stores can do at best)."""
    event = json.loads(_altered(before.payload))
    real = event.pop("signature")
    event["event_id"] = event_id
    forger = SigningKey.derived(before.agency_id, b"\x42" * 32)
    forged = signed(event, forger)
    forged["signature"]["key_id"] = real["key_id"]
    return _dumps(forged)


def _insert(conn, agency, k, forge_hash: bool):
    """A forged entry after entry k; with ``forge_hash`` its columns and hash computed as
    ingest would (and the later entries' positions shifted)."""
    rows = _rows(conn, agency)
    before = rows[k]
    _shift(conn, agency, before.chain_pos, 1)
    forged = dict(before._mapping)
    del forged["seq"]
    forged.update(_derived(_forged_event(before, f"{before.event_id}-forged")), chain_pos=before.chain_pos + 1,
                  prev_hash=before.hash)
    forged["hash"] = _hash(forged, before.hash) if forge_hash else before.hash
    forged["leaf_index"] = _next_leaf(conn)
    return conn.execute(ledger_entries.insert().returning(ledger_entries.c.seq), forged).scalar_one()


def _append_head(conn, agency, k):
    """A forged entry appended at the chain's head (what INSERT rights alone allow), its
    columns, recorded time and hash computed as ingest would."""
    head = _rows(conn, agency)[-1]
    # Recorded a second after the head: a time at which the agency's key signed.
    forged = dict(_derived(_forged_event(head, f"{head.event_id}-appended")), chain_pos=head.chain_pos + 1,
                  prev_hash=head.hash, recorded_at=head.recorded_at + timedelta(seconds=1))
    forged["hash"] = _hash(forged, head.hash)
    forged["leaf_index"] = _next_leaf(conn)
    return conn.execute(ledger_entries.insert().returning(ledger_entries.c.seq), forged).scalar_one()


def _next_leaf(conn) -> int:
    """The leaf index a forged row takes: the next after the ledger's last (each is unique)."""
    return conn.execute(select(func.max(ledger_entries.c.leaf_index) + 1)).scalar_one()


def _rewrite_tail(conn, agency, k):
    """Change entry k's figure, recompute its derived columns (content_digest) and every
    hash of its chain from there on: every hash and column agrees; the signature of
    entry k does not."""
    rows = _rows(conn, agency)
    prev = rows[k].prev_hash
    for i, row in enumerate(rows[k:]):
        values = _derived(_altered(row.payload)) if i == 0 else {}
        h = _hash(row, prev, values.get("payload"))
        _set(conn, row.seq, **values, prev_hash=prev, hash=h)
        prev = h
    return rows[k].seq


SIGNATURE = "signature"
LEDGER_TAMPERING: tuple[tuple[str, str, Callable, str | None], ...] = (
    ("untouched", "the copy as it is (every other check means something only if this one verifies)",
     lambda c, a, k: None, None),
    *((f"column {name}", f"entry k's {name} column changed" + (" (the chain's head)" if name == "chain_pos" else ""),
       tamper, None) for name, tamper in COLUMN_TAMPERING),
    ("edit", "an entry's figure changed", _edit, None),
    ("edit + rehash", "an entry's figure changed, its derived columns and its own hash recomputed",
     _edit_and_rehash, SIGNATURE),
    ("delete", "an entry deleted", _delete, None),
    ("reorder", "two adjacent entries swapped", _reorder, None),
    ("insert", "a forged entry inserted mid-chain", lambda c, a, k: _insert(c, a, k, forge_hash=False), None),
    ("insert + hash", "a forged entry inserted mid-chain, its columns and hash computed as ingest would",
     lambda c, a, k: _insert(c, a, k, forge_hash=True), SIGNATURE),
    ("rewrite + rehash chain", "an entry's figure changed, its columns and every later hash of its chain recomputed",
     _rewrite_tail, SIGNATURE),
    ("append forged head", "a forged entry appended at the chain's head, its columns and hash computed",
     _append_head, SIGNATURE),
)
"""(name, what is done, tamper(conn, agency, k) -> the seq verify must name, a word the
reason must contain or None)."""


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
    for name, what, tamper, says in LEDGER_TAMPERING:
        copy, expected = _on_copy(pipe, work, lambda conn: tamper(conn, agency, k))
        try:
            seq, words = _verify(pipe, copy)
        finally:
            drop_database(copy)
        wanted = "verify passes" if expected is None else f"verify names entry seq={expected}"
        checks.append(Check(name, what, wanted + (f" ({says})" if says else ""),
                            f"seq={seq}: {words}", seq == expected and (says is None or says in words)))
    return checks


_NATIONAL_MD = re.compile(r"\n\| \d+ \|(?:[^|\n]*\|){3}[^|\n\d]*(\d)")
# The target's name is the row's header cell (<th scope="row">).
_NATIONAL_HTML = re.compile(r'<tr><td class="num[^"]*">\d+</td>(?:<t[dh][^>]*>(?:(?!</t[dh]>).)*</t[dh]>){3}'
                            r'<td class="num[^"]*">[^<\d]*(\d)', re.S)


def _edit_visible_figure(path: Path) -> None:
    """Change a digit of the first national figure in the summary table: the document's
    text, not its machine-readable figures block."""
    text = path.read_text("utf-8")
    match = (_NATIONAL_HTML if path.suffix == ".html" else _NATIONAL_MD).search(text)
    if match is None:
        raise AssertionError(f"{path.name}: no national figure in the summary table to edit")
    at = match.start(1)
    path.write_text(text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1:], "utf-8")


_CHART = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]*")


def _swap_charts(path: Path) -> None:
    """Swap the report's first two charts (the national progress and the provinces'
    distribution): the document then shows one figure where the other belongs. A
    Markdown report's charts are the files beside it (services/report/chartfiles.py)."""
    if path.suffix == ".md":
        first, second = (next(path.parent.glob("*.charts")) / f"chart-{i}.svg" for i in (1, 2))
        data = first.read_bytes()
        first.write_bytes(second.read_bytes())
        second.write_bytes(data)
        return
    text = path.read_text("utf-8")
    charts = list(_CHART.finditer(text))
    if len(charts) < 2 or charts[0].group(0) == charts[1].group(0):
        raise AssertionError(f"{path.name}: fewer than two different charts to swap")
    first, second = charts[:2]
    path.write_text(text[:first.start()] + second.group(0) + text[first.end():second.start()] + first.group(0)
                    + text[second.end():], "utf-8")


def _annotate_pdf(path: Path) -> None:
    """Lay a text annotation over page 1, as an incremental update (what a PDF editor
    saving an annotation does): the signed bytes stay as they were."""
    from pypdf import PdfWriter
    from pypdf.annotations import FreeText

    writer = PdfWriter(io.BytesIO(path.read_bytes()), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="Tất cả chỉ tiêu đã đạt", rect=(50, 600, 500, 700),
                                                             font_size="20pt"))
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


# (name, what is done, tamper(path), a suffix the file must have, what verify must say)
REPORT_TAMPERING: tuple[tuple[str, str, Callable[[Path], None], str, str], ...] = (
    ("report edited (html)", "a figure in the report's text changed", _edit_visible_figure, ".html",
     "the document's text differs"),
    ("report edited (md)", "a figure in the report's text changed", _edit_visible_figure, ".md",
     "the document's text differs"),
    ("report charts swapped (html)", "the report's first two charts swapped", _swap_charts, ".html",
     "chart 1 ("),
    ("report charts swapped (md)", "the report's first two chart files swapped", _swap_charts, ".md",
     "was changed after the report was issued"),
    ("report annotated (pdf)", "a text annotation laid over page 1 of the signed PDF (an incremental update)",
     _annotate_pdf, ".pdf", "changed after it was signed"),
)


def report_checks(pipe: Pipeline, work: Path) -> list[Check]:
    """Reports built from the ledger, signed and carrying the proof of their cut-off,
    verify; an edited one does not, nor one with two charts swapped, nor an annotated
    PDF, each named; nor does one built before its ledger's chain was rewritten with
    recomputed hashes (which ledger verify catches too, by the signature)."""
    agency, length = _longest_chain(pipe)
    pipe.dispose()
    copy = copy_database(pipe.db, work)
    env = _env(pipe, copy)
    out = work / "reports"
    checks = []
    try:
        built = tiendo(env, "report", "build", "--period", REPORT_PERIOD, "--format", "html,md,pdf", "--out",
                       str(out), "--json")
        if built.returncode != 0:
            raise AssertionError(f"report build failed: {built.stderr}")
        files = sorted(out.glob("*.html")) + sorted(out.glob("*.md")) + sorted(out.glob("*.pdf"))
        for f in files:
            untouched = tiendo(env, "report", "verify", str(f))
            checks.append(Check(f"report as built ({f.suffix[1:]})", "the report as built, signed",
                                "report verify passes", f"exit {untouched.returncode}: {_last_line(untouched)}",
                                untouched.returncode == 0 and "signed by the reports key" in untouched.stdout))
        for name, what, tamper, suffix, says in REPORT_TAMPERING:
            original = next(f for f in files if f.suffix == suffix)
            # Each in a folder of its own, with the charts' folder beside a Markdown report.
            tampered = work / name.replace(' ', '-').replace('(', '').replace(')', '') / original.name
            tampered.parent.mkdir(exist_ok=True)
            tampered.write_bytes(original.read_bytes())
            for charts in out.glob("*.charts"):
                shutil.copytree(charts, tampered.parent / charts.name, dirs_exist_ok=True)
            signature = original.with_name(original.name + ".sig")
            if signature.exists():
                tampered.with_name(tampered.name + ".sig").write_bytes(signature.read_bytes())
            tamper(tampered)
            done = tiendo(env, "report", "verify", str(tampered))
            named = next((line.strip() for line in done.stdout.splitlines() if says in line), "")
            checks.append(Check(name, what, f"report verify fails naming it ({says!r})",
                                f"exit {done.returncode}: {named[:160] or _last_line(done)}",
                                done.returncode == 1 and bool(named)))
        engine = make_engine(copy.owner_url)
        with engine.begin() as conn:
            rewritten = _rewrite_tail(conn, agency, length // 2)
        engine.dispose()
        seq, words = _verify(pipe, copy)
        done = tiendo(env, "report", "verify", str(files[0]))
        checks.append(Check("report after rewrite + rehash chain",
                            "an entry changed, its columns and every later hash of its chain recomputed",
                            f"ledger verify names entry seq={rewritten} (signature); report verify fails",
                            f"ledger verify: seq={seq}: {words}; report verify exit {done.returncode}: "
                            f"{_last_line(done)}",
                            seq == rewritten and SIGNATURE in words and done.returncode == 1))
    finally:
        drop_database(copy)
    return checks


def _last_line(done: Outcome) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[-1][:160] if lines else ""
