"""Tampering the per-chain check cannot see, caught by the Merkle tree (issue 14).

An auditor keeps the ledger's newest signed head (`tiendo ledger head --json`); then, each
on a fresh copy of the ledger, as its owner: the last entry of a chain deleted (the chain
just looks shorter), the newest entries deleted (a truncation), an entry rewritten below
the kept head with its agency's own key and every later hash of its chain recomputed
(every chain, column and signature verifies), and the last two again with the stored tree
(and its heads) made to agree. `tiendo ledger verify --against` the kept head must fail
naming the entry (the deleted leaf, the truncation, the rewritten entry by its leaf, or
the span between two issued heads where it lies); a kept head whose signature was
altered, or signed by another ledger key, must be refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, delete, select, update

from shared.db.engine import make_engine
from shared.db.schema import ledger_entries, merkle_nodes, merkle_tree, tree_heads
from shared.domain.merkle import append_leaves
from shared.domain.tree_head import TreeHead, entry_leaf_hash, key_id_of, sign_head
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey

from services.simulate.keys import dry_run_keys
from services.simulate.wire import encode, signed

from chaos.check import Check, tiendo
from chaos.infra import Database, copy_database, drop_database
from chaos.pipeline import Pipeline
from chaos.tamper import _altered, _derived, _env, _hash, _rows, _set

TRUNCATED = 100
"""How many of the newest entries a truncation deletes."""


@dataclass(frozen=True)
class _Said:
    """What verify --against must say (in one of its lines), and whether the per-chain check sees it too."""

    wanted: str
    chain: bool = False


def _leaf(conn: Connection, index: int):
    return conn.execute(select(ledger_entries).where(ledger_entries.c.leaf_index == index)).one()


def _describe(row) -> str:
    return f"entry seq={row.seq} (agency {row.agency_id}, chain position {row.chain_pos}, event {row.event_id})"


def _rebuild_tree(conn: Connection) -> int:
    """The stored tree recomputed from the (tampered) entries, as someone who can write
    every table would, so that it agrees with them; returns its size."""
    le = ledger_entries
    hashes = conn.execute(select(le.c.hash).order_by(le.c.leaf_index)).scalars().all()
    made, _ = append_leaves(0, [], [entry_leaf_hash(h) for h in hashes])
    conn.execute(delete(merkle_nodes))
    conn.execute(merkle_nodes.insert(), [{"level": lv, "idx": i, "hash": h} for lv, i, h in made])
    conn.execute(update(merkle_tree).values(size=len(hashes)))
    conn.execute(delete(tree_heads).where(tree_heads.c.tree_size > len(hashes)))
    return len(hashes)


def _delete_chain_last(conn: Connection, n: int, seed: int) -> _Said:
    """The last entry of the longest chain whose last entry is not the ledger's last."""
    le = ledger_entries
    lasts = [max(_rows(conn, a), key=lambda r: r.chain_pos)
             for a in conn.execute(select(le.c.agency_id).distinct()).scalars()]
    last = max((r for r in lasts if r.leaf_index < n - 1), key=lambda r: r.chain_pos)
    before, after = _leaf(conn, last.leaf_index - 1), _leaf(conn, last.leaf_index + 1)
    conn.execute(delete(le).where(le.c.seq == last.seq))
    return _Said(f"leaf {last.leaf_index} below the kept head of {n} is missing: the entry after {_describe(before)} "
                 f"and before {_describe(after)} was deleted")


def _truncate(conn: Connection, n: int, seed: int, cut_tree: bool = False) -> _Said:
    """The newest TRUNCATED entries deleted; with ``cut_tree`` the stored tree and heads too."""
    keep = n - TRUNCATED
    conn.execute(delete(ledger_entries).where(ledger_entries.c.leaf_index >= keep))
    if cut_tree:
        _rebuild_tree(conn)
    return _Said(f"the ledger holds {keep} of the {n} entries below the kept head of {n}: it was truncated, the last "
                 f"{TRUNCATED} (leaves {keep} to {n - 1}) are gone; the last left is {_describe(_leaf(conn, keep - 1))}")


def _resigned(payload: str, seed: int, agency: str) -> str:
    """The payload with its figure changed and signed again with the agency's own key
    (the simulated agencies' keys derive from the stream's seed)."""
    event = json.loads(_altered(payload))
    del event["signature"]
    return encode(signed(event, dry_run_keys(seed, [agency])[agency])).decode("utf-8")


def _rewrite(conn: Connection, n: int, seed: int, rebuild_tree: bool = False) -> _Said:
    """The middle entry of the ledger rewritten, re-signed by its agency's key, its chain
    re-hashed from there on; with ``rebuild_tree`` the stored tree too."""
    target = _leaf(conn, n // 2)
    rows = [r for r in _rows(conn, target.agency_id) if r.chain_pos >= target.chain_pos]
    prev = target.prev_hash
    for i, row in enumerate(rows):
        values = _derived(_resigned(row.payload, seed, row.agency_id)) if i == 0 else {}
        h = _hash(row, prev, values.get("payload"))
        _set(conn, row.seq, **values, prev_hash=prev, hash=h)
        prev = h
    if not rebuild_tree:
        return _Said(f"{_describe(target)} was rewritten: its hash is no longer that of leaf {target.leaf_index}")
    heads = sorted(conn.execute(select(tree_heads.c.tree_size)).scalars())
    _rebuild_tree(conn)
    lo = max((s for s in heads if s <= target.leaf_index), default=0)
    hi = min(s for s in heads if s > target.leaf_index)
    return _Said(f"the first {hi} entries no longer hash to the root of the head issued at {hi}: an entry among "
                 f"leaves {lo} to {hi - 1} was rewritten")


TREE_TAMPERING: tuple[tuple[str, str, Callable[[Connection, int, int], _Said | None]], ...] = (
    ("kept head: untouched", "the copy as it is, against the newest head kept before", lambda c, n, s: None),
    ("kept head: delete a chain's last entry", "the last entry of a chain deleted (the chain looks shorter)",
     _delete_chain_last),
    ("kept head: truncate", f"the newest {TRUNCATED} entries deleted", _truncate),
    ("kept head: truncate + tree", f"the newest {TRUNCATED} entries deleted, the stored tree and heads cut to match",
     lambda c, n, s: _truncate(c, n, s, cut_tree=True)),
    ("kept head: rewrite, re-signed", "an entry's figure changed and signed again with its agency's key, every "
     "later hash of its chain recomputed", _rewrite),
    ("kept head: rewrite, re-signed + tree", "the same, and the stored tree recomputed to agree",
     lambda c, n, s: _rewrite(c, n, s, rebuild_tree=True)),
)
"""(name, what is done, tamper(conn, kept tree size, the stream's seed) -> what verify --against must say)."""


def _against(pipe: Pipeline, db: Database, head_file: Path) -> tuple[int, list[str], dict | None, str]:
    """(exit code, problems, first_bad, words) of `tiendo ledger verify --against head_file --json`."""
    done = tiendo(_env(pipe, db), "ledger", "verify", "--against", str(head_file), "--json")
    try:
        out = json.loads(done.stdout)
    except ValueError:  # refused before checking: a one-line error
        return done.returncode, [], None, (done.stdout + done.stderr).strip()[-300:]
    return done.returncode, out["problems"], out["first_bad"], "; ".join(out["problems"]) or "verify passes"


def tree_checks(pipe: Pipeline, work: Path, seed: int) -> list[Check]:
    """Each tampering on a fresh copy, against the ledger's newest head kept beforehand;
    ``seed`` is the simulated stream's, whose agencies' keys the strongest forger holds."""
    pipe.dispose()  # PostgreSQL copies a database only while nobody is connected to it
    copy = copy_database(pipe.db, work)
    try:
        printed = tiendo(_env(pipe, copy), "ledger", "head", "--json")
        kept = TreeHead.from_json(json.loads(printed.stdout))
    finally:
        drop_database(copy)
    head_file = work / "kept-head.json"
    head_file.write_text(printed.stdout)
    checks = []
    for name, what, tamper in TREE_TAMPERING:
        copy = copy_database(pipe.db, work)
        try:
            engine = make_engine(copy.owner_url)
            with engine.begin() as conn:
                said = tamper(conn, kept.tree_size, seed)
            engine.dispose()
            code, problems, first_bad, words = _against(pipe, copy, head_file)
            if name.endswith("untouched"):
                checks += [Check(name, what, "verify --against passes", words, code == 0)]
                checks += _head_checks(pipe, copy, work, kept)
                continue
        finally:
            drop_database(copy)
        named = any(said.wanted in p for p in problems)
        chain = "the chain check names it too" if said.chain else "every chain, column and signature verifies"
        checks.append(Check(name, what, f"verify --against fails: {said.wanted}; {chain}",
                            f"exit {code}: {words}",
                            code == 1 and named and (first_bad is not None) == said.chain))
    return checks


def _head_checks(pipe: Pipeline, db: Database, work: Path, kept: TreeHead) -> list[Check]:
    """Kept heads that are not the ledger's: a signature altered, another ledger key's."""
    data = kept.to_json()
    flipped = data["signature"][:-1] + ("0" if data["signature"][-1] != "0" else "1")
    other = OperatorKey.load_or_create(work / "other-ledger" / "ledger.key.pem", LEDGER_KEY_NAME)
    cases = (
        ("kept head: signature altered", "one hex digit of the kept head's signature changed (its note dropped)",
         {k: v for k, v in dict(data, signature=flipped).items() if k != "note"},
         f"the signature of the head of size {kept.tree_size} does not verify"),
        ("kept head: another ledger key", "the same tree signed by another key under the ledger's name",
         sign_head(other, kept.tree_size, kept.root_hash, kept.timestamp).to_json(),
         f"the head was signed by key {key_id_of(other.name, other.public_key)}, not by {kept.key_id}"),
    )
    checks = []
    for name, what, head, wanted in cases:
        path = work / f"head-{len(checks)}.json"
        path.write_text(json.dumps(head))
        code, problems, _, words = _against(pipe, db, path)
        checks.append(Check(name, what, f"verify --against refuses it: {wanted}", f"exit {code}: {words}",
                            code == 1 and any(wanted in p for p in problems)))
    return checks
