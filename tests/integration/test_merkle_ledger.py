"""The Merkle log over a real ledger (issue 14), on SQLite and PostgreSQL: signed heads,
roots, leaves, proofs from `tiendo ledger prove` / `consistency`, and `ledger verify
--against` a kept head naming each tampering the per-chain check cannot see."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from shared.db.schema import ledger_entries, merkle_nodes, merkle_tree, tree_heads
from shared.db.tree_audit import extends_head, tree_problems
from shared.domain import merkle
from shared.domain.canonical import parse
from shared.domain.chain import content_digest, entry_hash
from shared.domain.proofs import check_proof
from shared.domain.tree_head import TreeHead, entry_leaf_hash, head_problem, sign_head
from shared.keyfiles import OperatorKey, public_path

from services.cli import main
from services.ingest.worker import HeadPolicy
from tests.factories import event_dict, signed_bytes
from tests.integration.pipeline import Pipeline
from tests.integration.streams import AGENCIES, valid_stream

FIRST, LATER = 300, 100
"""Events ingested before the auditor keeps a head, and after."""


@pytest.fixture
def tiendo(env_for):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), env=env_for, catch_exceptions=False)

    return invoke


def _ingest(p: Pipeline, n: int, seed: int) -> None:
    """``n`` signed events of four agencies, ingested in batches of 50 with a head every 100 entries."""
    keys = {a: p.issue_key(a) for a in AGENCIES[:4]}
    p.publish(valid_stream(n, keys, seed=seed).messages)
    p.ingest(heads=HeadPolicy(p.ledger_key, every_entries=100), batch_size=50)


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _key(p: Pipeline) -> tuple[str, bytes]:
    return p.ledger_key.name, p.ledger_key.public_key


def test_heads_roots_leaves_and_proofs_agree_with_the_ledger_rows(pipeline, tiendo, tmp_path):
    p = pipeline
    _ingest(p, FIRST, seed=3)
    entries = list(p.ledger.entries())
    n = len(entries)
    heads = sorted(p.ledger.tree.heads(), key=lambda h: h.tree_size)

    # Leaves 0..n-1, dense, numbered in seq order; the stored leaves are the rows' hashes.
    assert n == FIRST and p.ledger.tree.size() == n
    assert [e.leaf_index for e in entries] == list(range(n))
    leaves = [entry_leaf_hash(e.hash) for e in entries]
    assert list(p.ledger.tree.leaf_hashes(0, n)) == list(enumerate(leaves))
    # Heads every 100 entries or so (batches of 50), and one over the whole ledger at the end.
    assert len(heads) >= 3 and heads[-1].tree_size == n
    for h in heads:
        assert head_problem(h, *_key(p)) is None
        assert h.root_hash == merkle.root_hash(leaves[:h.tree_size]) == p.ledger.tree.root(h.tree_size)

    for e in entries[::37]:
        proof = _json(tiendo("ledger", "prove", e.agency_id, e.event_id, "--json"))
        assert (proof["leaf_index"], proof["tree_size"]) == (e.leaf_index, n)
        assert proof["entry"]["hash"] == e.hash
        assert check_proof(proof, *_key(p)) == []
        # Under the first head that covers it, too.
        first = next(h for h in heads if h.tree_size > e.leaf_index)
        early = _json(tiendo("ledger", "prove", e.agency_id, e.event_id, "--tree-size", str(first.tree_size),
                             "--json"))
        assert early["tree_size"] == first.tree_size and check_proof(early, *_key(p)) == []
    for old, new in zip(heads, heads[1:]):
        proof = _json(tiendo("ledger", "consistency", str(old.tree_size), str(new.tree_size), "--json"))
        assert (proof["from_size"], proof["to_size"]) == (old.tree_size, new.tree_size)
        assert check_proof(proof, *_key(p)) == []

    # The proof file checks with nothing but itself and the public key.
    e = entries[n // 2]
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(tiendo("ledger", "prove", e.agency_id, e.event_id, "--json").output)
    public = tmp_path / "ledger.pub.pem"
    public.write_bytes(public_path(p.settings.ledger_key_path).read_bytes())
    r = tiendo("ledger", "check-proof", str(proof_file), "--public-key", str(public))
    assert r.exit_code == 0 and "the proof holds" in r.output


# ---- verify --against a kept head ------------------------------------------------------------------
LONE = AGENCIES[4]
"""An agency that reports only before the head is kept: its chain ends below it."""


def _events(p: Pipeline, agencies, ids: range) -> list[tuple[str, bytes]]:
    out = []
    for i in ids:
        agency = agencies[(i * 7) % len(agencies)]
        d = event_dict(agency, event_id=f"{agency}-{i}", observed_at=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
                       figure={"type": "ratio", "numerator": i % 97, "denominator": 97})
        out.append((agency, signed_bytes(d, p.issue_key(agency))))
    return out


@pytest.fixture
def kept(pipeline, tiendo, tmp_path) -> Path:
    """FIRST events of five agencies, the newest head kept in a file, then LATER events of four."""
    p = pipeline
    heads = HeadPolicy(p.ledger_key, every_entries=100)
    p.publish(_events(p, AGENCIES[:5], range(FIRST)))
    p.ingest(heads=heads, batch_size=50)
    path = tmp_path / "kept-head.json"
    path.write_text(tiendo("ledger", "head", "--json").output)
    p.publish(_events(p, AGENCIES[:4], range(FIRST, FIRST + LATER)))
    p.ingest(heads=heads, batch_size=50)
    assert TreeHead.from_json(json.loads(path.read_text())).tree_size == FIRST
    assert p.ledger.tree.size() == FIRST + LATER
    return path


def _verify(tiendo, *args) -> tuple[int, dict]:
    r = tiendo("ledger", "verify", "--json", *args)
    return r.exit_code, json.loads(r.output)


def _at_leaf(p: Pipeline, index: int):
    return next(e for e in p.ledger.entries() if e.leaf_index == index)


def _chain(conn, agency: str) -> list:
    le = ledger_entries
    return list(conn.execute(select(le).where(le.c.agency_id == agency).order_by(le.c.chain_pos)))


def _rebuild_tree(conn) -> None:
    """What someone who can write every table does next: the stored tree recomputed from
    the (tampered) entries, so that it agrees with them."""
    le = ledger_entries
    hashes = conn.execute(select(le.c.hash).order_by(le.c.leaf_index)).scalars().all()
    made, _ = merkle.append_leaves(0, [], [entry_leaf_hash(h) for h in hashes])
    conn.execute(delete(merkle_nodes))
    conn.execute(merkle_nodes.insert(), [{"level": lv, "idx": i, "hash": h} for lv, i, h in made])


def _rewrite_and_rehash(p: Pipeline, entry, rebuild_tree: bool = False) -> None:
    """Change an entry's figure, sign it again with its agency's own key (the strongest
    forger: the per-chain check, signatures included, cannot see it), recompute its
    columns and every later hash of its chain."""
    event = json.loads(entry.payload)
    del event["signature"]
    event["figure"]["numerator"] = (event["figure"]["numerator"] + 1) % event["figure"]["denominator"]
    forged = parse(signed_bytes(event, p.issue_key(entry.agency_id)), today=date.max)
    with p.engine.begin() as conn:
        rows = [r for r in _chain(conn, entry.agency_id) if r.chain_pos >= entry.chain_pos]
        prev = rows[0].prev_hash
        for i, row in enumerate(rows):
            values = dict(payload=forged.payload, content_digest=content_digest(forged.canonical)) if i == 0 else {}
            h = entry_hash(prev, row.agency_id, row.chain_pos, row.event_id, values.get("payload", row.payload),
                           row.recorded_at)
            conn.execute(update(ledger_entries).where(ledger_entries.c.seq == row.seq)
                         .values(**values, prev_hash=prev, hash=h))
            prev = h
        if rebuild_tree:
            _rebuild_tree(conn)


@dataclass(frozen=True)
class Seen:
    """What verify must say of a tampering (``wanted``, in one line), and whether the
    per-chain check and the database's own tree (its stored nodes and heads) see it too."""

    wanted: str
    chain: bool = False
    tree: bool = True


def _delete_chain_last(p: Pipeline) -> Seen:
    last = max((e for e in p.ledger.entries() if e.agency_id == LONE), key=lambda e: e.chain_pos)
    assert last.leaf_index < FIRST
    with p.engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == last.seq))
    return Seen(f"leaf {last.leaf_index} below the kept head of {FIRST} is missing: the entry after entry seq=")


def _delete_middle(p: Pipeline) -> Seen:
    before, gone, after = (_at_leaf(p, FIRST // 2 + i) for i in (-1, 0, 1))
    with p.engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.seq == gone.seq))
    return Seen(f"leaf {gone.leaf_index} below the kept head of {FIRST} is missing: the entry after entry "
                f"seq={before.seq} (agency {before.agency_id}, chain position {before.chain_pos}, event {before.event_id})"
                f" and before entry seq={after.seq} ", chain=True)


TRUNCATED_TO = FIRST - 50


def _truncate(p: Pipeline, cut_tree: bool = False) -> Seen:
    """The newest entries deleted, down to TRUNCATED_TO; with ``cut_tree`` the stored tree,
    its size and the heads above it too, so that the database agrees with itself."""
    with p.engine.begin() as conn:
        conn.execute(delete(ledger_entries).where(ledger_entries.c.leaf_index >= TRUNCATED_TO))
        if cut_tree:
            _rebuild_tree(conn)
            conn.execute(update(merkle_tree).values(size=TRUNCATED_TO))
            conn.execute(delete(tree_heads).where(tree_heads.c.tree_size > TRUNCATED_TO))
    last = _at_leaf(p, TRUNCATED_TO - 1)
    return Seen(f"the ledger holds {TRUNCATED_TO} of the {FIRST} entries below the kept head of {FIRST}: it was "
                f"truncated, the last 50 (leaves {TRUNCATED_TO} to {FIRST - 1}) are gone; the last left is entry "
                f"seq={last.seq} ", tree=not cut_tree)


def _rewrite(p: Pipeline) -> Seen:
    entry = _at_leaf(p, FIRST // 2 + 7)
    _rewrite_and_rehash(p, entry)
    return Seen(f"entry seq={entry.seq} (agency {entry.agency_id}, chain position {entry.chain_pos}, event "
                f"{entry.event_id}) was rewritten: its hash is no longer that of leaf {entry.leaf_index}")


def _rewrite_with_tree(p: Pipeline) -> Seen:
    entry = _at_leaf(p, FIRST // 2 + 7)
    heads = sorted(h.tree_size for h in p.ledger.tree.heads())
    before = max(s for s in heads if s <= entry.leaf_index)
    after = min(s for s in heads if s > entry.leaf_index)
    _rewrite_and_rehash(p, entry, rebuild_tree=True)
    return Seen(f"the first {after} entries no longer hash to the root of the head issued at {after}: an entry among "
                f"leaves {before} to {after - 1} was rewritten")


def _move_leaf(p: Pipeline) -> Seen:
    """An entry's leaf_index changed to the next free one (each is unique)."""
    entry = _at_leaf(p, FIRST // 2 - 3)
    with p.engine.begin() as conn:
        conn.execute(update(ledger_entries).where(ledger_entries.c.seq == entry.seq).values(leaf_index=FIRST + LATER))
    return Seen(f"entry seq={entry.seq} (agency {entry.agency_id}, chain position {entry.chain_pos}, event "
                f"{entry.event_id}) is leaf {entry.leaf_index} of the stored tree, but its leaf_index column says "
                f"{FIRST + LATER}: the column was changed")


TAMPERING = {
    "delete the last entry of a chain": _delete_chain_last,
    "delete an entry in the middle": _delete_middle,
    "truncate": _truncate,
    "truncate, with the tree and its heads cut to match": lambda p: _truncate(p, cut_tree=True),
    "rewrite + rehash chain, signed by the agency's key": _rewrite,
    "rewrite + rehash chain + stored tree rewritten to match": _rewrite_with_tree,
    "an entry's leaf_index changed": _move_leaf,
}


@pytest.mark.parametrize("tampering", TAMPERING)
def test_verify_against_a_kept_head_names_each_tampering(pipeline, kept, tiendo, tampering):
    seen = TAMPERING[tampering](pipeline)

    code, out = _verify(tiendo, "--against", str(kept))

    assert code == 1 and out["ok"] is False
    assert any(seen.wanted in p for p in out["problems"]), out["problems"]
    assert all("\n" not in p for p in out["problems"])
    assert (out["first_bad"] is not None) == seen.chain, out
    # The kept head's check names it; the stored tree's, unless it was rewritten to agree.
    [named] = extends_head(pipeline.ledger, TreeHead.from_json(json.loads(kept.read_text())), *_key(pipeline))
    assert seen.wanted in named
    assert bool(tree_problems(pipeline.ledger, *_key(pipeline))) == seen.tree


def test_the_intact_ledger_extends_its_kept_head_and_other_heads_are_refused(pipeline, kept, tiendo, tmp_path):
    p = pipeline
    r = tiendo("ledger", "verify", "--against", str(kept))
    assert r.exit_code == 0 and f"it extends the kept head of {FIRST} leaves" in r.output
    assert _verify(tiendo)[0] == 0
    head = json.loads(kept.read_text())

    # A signature altered: its signed note no longer says what the fields say; without the note, it does not verify.
    altered = dict(head, signature=head["signature"][:-2] + ("00" if head["signature"][-2:] != "00" else "01"))
    for data, says in ((altered, "its note does not say what its fields say"),
                       ({k: v for k, v in altered.items() if k != "note"},
                        f"the signature of the head of size {FIRST} does not verify")):
        path = tmp_path / "altered.json"
        path.write_text(json.dumps(data))
        r = tiendo("ledger", "verify", "--against", str(path))
        assert r.exit_code == 1 and says in r.output, r.output

    # A head over the same tree, signed by another ledger key of the same name.
    other = OperatorKey.load_or_create(tmp_path / "other" / "ledger.key.pem", p.ledger_key.name)
    forged = sign_head(other, FIRST, TreeHead.from_json(head).root_hash, TreeHead.from_json(head).timestamp)
    path = tmp_path / "other-head.json"
    path.write_text(json.dumps(forged.to_json()))
    code, out = _verify(tiendo, "--against", str(path))
    assert code == 1 and out["problems"] == [
        f"the kept head is not the ledger's: the head was signed by key {forged.key_id}, not by "
        f"{TreeHead.from_json(head).key_id}"]
