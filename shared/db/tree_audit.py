"""`ledger verify` and `report verify`: does the ledger still match its Merkle tree, and
does it still extend a signed head an auditor kept?

The entries, in leaf order, are hashed afresh from the ledger rows and folded into prefix
roots. On the way each entry is checked against the leaf hash the stored tree holds for
it, and the prefix roots against every head the ledger issued, so that what changed is
named: a missing leaf (a deleted entry), a short ledger (a truncation), an entry whose
hash no longer matches its leaf (a rewrite), or, when the stored tree was rewritten to
match, the span between two issued heads where the rewritten entry lies. Only a kept head
(`extends_head`) holds against someone who also rewrote or deleted the heads the
database keeps; `tree_problems` checks the database against itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from shared.db.ledger import Leaf, LedgerStore
from shared.db.schema import ledger_entries
from shared.domain.merkle import append_leaves, fold_nodes
from shared.domain.tree_head import TreeHead, entry_leaf_hash, head_problem

Progress = Callable[[int], None]


def extends_head(store: LedgerStore, kept: TreeHead, name: str, public_key: bytes,
                 on_leaves: Progress = lambda n: None) -> list[str]:
    """What shows the ledger does not extend ``kept`` (signed by ``name``'s ``public_key``);
    an empty list when it does. ``on_leaves(k)`` is told of every k leaves read (a progress bar)."""
    problem = head_problem(kept, name, public_key)
    if problem:
        return [f"the kept head is not the ledger's: {problem}"]
    n = kept.tree_size
    issued = {h.tree_size: h for h in store.tree.heads() if h.tree_size <= n and not head_problem(h, name, public_key)}
    walk = _Walk(store, n, f"the kept head of {n}", issued, on_leaves)
    if walk.problems:
        return walk.problems
    if walk.size < n:
        return [walk.short()]
    if walk.root() != kept.root_hash:
        return [f"the first {n} entries do not hash to the kept head's root: an entry among leaves {walk.good_upto} "
                f"to {n - 1} was rewritten, and its stored leaf with it (so which one cannot be told from the database)"]
    return []


def tree_problems(store: LedgerStore, name: str | None = None, public_key: bytes | None = None,
                  on_leaves: Progress = lambda n: None) -> list[str]:
    """What shows the ledger no longer matches its stored Merkle tree or the heads it
    issued (their signatures checked against ``name``'s ``public_key`` when given); an
    empty list when it matches."""
    n = store.tree.size()
    issued: dict[int, TreeHead] = {}
    problems: list[str] = []
    for h in store.tree.heads():
        problem = head_problem(h, name, public_key) if public_key is not None else None
        if problem:
            problems.append(f"the head issued at {h.tree_size} leaves is not the ledger's: {problem}")
        elif h.tree_size > n:
            problems.append(f"a head was issued at {h.tree_size} leaves, but the stored tree has {n}: "
                            "its size was rewritten")
        else:
            issued[h.tree_size] = h
    walk = _Walk(store, n, f"the stored tree's size of {n}", issued, on_leaves)
    problems += walk.problems
    if walk.problems:
        return problems
    if walk.size < n:
        return problems + [walk.short()]
    beyond = walk.first_beyond()
    if beyond is not None:
        problems.append(f"{beyond.describe()} is leaf {beyond.leaf_index}, beyond the stored tree's {n} leaves: "
                        "it was added without extending the tree")
    try:
        stored = store.tree.root(n)
    except LookupError as exc:
        return problems + [str(exc)]
    if stored != walk.root():
        problems.append(f"the stored tree's root of {n} leaves is not the root of the ledger's entries: "
                        "nodes of the stored tree were rewritten")
    return problems


@dataclass
class _Walk:
    """One pass over the leaves below ``n``: recomputes the prefix roots and names the
    first leaf that is missing, or differs from the stored tree or from an issued head."""

    store: LedgerStore
    n: int
    below: str
    """How the messages name the bound ``n`` (the kept head, the tree's size)."""
    issued: dict[int, TreeHead]
    on_leaves: Progress
    size: int = 0
    good_upto: int = 0
    """The largest size at which an issued head matched the recomputed root (0: none)."""
    last: Leaf | None = None
    problems: list[str] = field(default_factory=list)
    _frontier: list[bytes] = field(default_factory=list)
    _stored: _Cursor | None = None

    def __post_init__(self) -> None:
        self._stored = stored = _Cursor(self.store.tree.leaf_hashes(0, self.n))
        for leaf in self.store.leaves(self.n):
            if leaf.leaf_index < 0:  # in index order, the only index below the next expected one
                self.problems.append(f"{leaf.describe()} has leaf index {leaf.leaf_index}, which no leaf has: its "
                                     "leaf_index column was changed")
                return
            if leaf.leaf_index != self.size:
                self.problems.append(self._missing(self.size, leaf.leaf_index, leaf))
                return
            h = entry_leaf_hash(leaf.hash)
            if stored.at(self.size) != h:
                self.problems.append(f"{leaf.describe()} was rewritten: its hash is no longer that of leaf {self.size} "
                                     "in the stored tree")
                return
            _, self._frontier = append_leaves(self.size, self._frontier, [h])
            self.size, self.last = self.size + 1, leaf
            if self.size % 10_000 == 0:
                self.on_leaves(10_000)
            head = self.issued.get(self.size)
            if head is not None:
                if self.root() != head.root_hash:
                    self.problems.append(
                        f"the first {self.size} entries no longer hash to the root of the head issued at {self.size}: "
                        f"an entry among leaves {self.good_upto} to {self.size - 1} was rewritten, and its stored "
                        "leaf with it (so which one cannot be told from the database)")
                    return
                self.good_upto = self.size

    def root(self) -> bytes:
        """The root of the leaves walked."""
        return fold_nodes(self._frontier)

    def first_beyond(self) -> Leaf | None:
        """The entry with the lowest leaf index at or above ``n``, if any."""
        le = ledger_entries
        q = (select(le.c.leaf_index, le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.hash)
             .where(le.c.leaf_index >= self.n).order_by(le.c.leaf_index).limit(1))
        with self.store.engine.connect() as conn:
            row = conn.execute(q).first()
        return None if row is None else Leaf(*row)

    def _moved_from(self, index: int) -> Leaf | None:
        """An entry numbered outside the stored tree whose hash is the stored leaf ``index``:
        the entry is there, its leaf_index column was changed."""
        stored = self._stored.at(index)
        le = ledger_entries
        q = (select(le.c.leaf_index, le.c.seq, le.c.agency_id, le.c.chain_pos, le.c.event_id, le.c.hash)
             .where((le.c.leaf_index < 0) | (le.c.leaf_index >= self.store.tree.size())))
        with self.store.engine.connect() as conn:
            outside = [Leaf(*row) for row in conn.execute(q)]
        return next((leaf for leaf in outside if entry_leaf_hash(leaf.hash) == stored), None)

    def short(self) -> str:
        """The ledger holds fewer than ``n`` leaves: its end below ``n`` was deleted."""
        after = self.first_beyond()
        if after is not None:  # later entries are there: not a truncation
            return self._missing(self.size, self.n, after)
        gone = self.n - self.size
        left = f"; the last left is {self.last.describe()}" if self.last else "; no entry is left"
        return (f"the ledger holds {self.size} of the {self.n} entries below {self.below}: it was truncated, the "
                f"last {gone} ({_leaves(self.size, self.n)}) are gone{left}")

    def _missing(self, lo: int, hi: int, after: Leaf) -> str:
        """Leaves ``lo`` to ``hi - 1`` are missing, ``after`` is the next entry there is."""
        moved = self._moved_from(lo)
        if moved is not None:
            return (f"{moved.describe()} is leaf {lo} of the stored tree, but its leaf_index column says "
                    f"{moved.leaf_index}: the column was changed")
        gone = hi - lo
        where = f"after {self.last.describe()} and " if self.last else ""
        deleted = "the entry" if gone == 1 else f"the {gone} entries"
        return (f"{_leaves(lo, hi)} below {self.below} {'is' if gone == 1 else 'are'} missing: {deleted} "
                f"{where}before {after.describe()} {'was' if gone == 1 else 'were'} deleted")


def _leaves(lo: int, hi: int) -> str:
    return f"leaf {lo}" if hi - lo == 1 else f"leaves {lo} to {hi - 1}"


class _Cursor:
    """Walks the stored leaf hashes alongside the ledger's leaves (both in index order)."""

    def __init__(self, pairs) -> None:
        self._pairs = iter(pairs)
        self._current: tuple[int, bytes] | None = next(self._pairs, None)

    def at(self, index: int) -> bytes | None:
        """The stored hash of leaf ``index``; None when the stored tree has none."""
        while self._current is not None and self._current[0] < index:
            self._current = next(self._pairs, None)
        if self._current is not None and self._current[0] == index:
            return self._current[1]
        return None
