"""`ledger verify --against` and `report verify`: does the ledger still extend a signed head an auditor kept?

The first ``tree_size`` entries, in leaf order, are hashed afresh from the ledger rows and
folded into a root, which must equal the kept head's. On the way each entry is checked
against the leaf hash the stored tree holds for it, and the prefix roots against every
head the ledger issued, so that what changed is named: a missing leaf (a deleted entry), a
short ledger (a truncation), an entry whose hash no longer matches its leaf (a rewrite),
or, when the stored tree was rewritten to match, the span between two issued heads where
the rewritten entry lies."""

from __future__ import annotations

from collections.abc import Callable

from shared.db.ledger import Leaf, LedgerStore
from shared.domain.merkle import append_leaves, fold_nodes
from shared.domain.tree_head import TreeHead, entry_leaf_hash, head_problem


def extends_head(store: LedgerStore, kept: TreeHead, name: str, public_key: bytes,
                 on_leaves: Callable[[int], None] = lambda n: None) -> list[str]:
    """What shows the ledger does not extend ``kept`` (signed by ``name``'s ``public_key``);
    an empty list when it does. ``on_leaves(k)`` is told of every k leaves read (a progress bar)."""
    problem = head_problem(kept, name, public_key)
    if problem:
        return [f"the kept head is not the ledger's: {problem}"]
    n = kept.tree_size
    issued = {h.tree_size: h for h in store.tree.heads() if h.tree_size <= n and not head_problem(h, name, public_key)}
    stored = _Cursor(store.tree.leaf_hashes(0, n))
    problems: list[str] = []
    size, frontier, last, good_upto = 0, [], None, 0
    for leaf in store.leaves(n):
        if leaf.leaf_index != size:
            problems.append(f"leaves {size} to {leaf.leaf_index - 1} are missing below the kept head of {n}: "
                            f"{_deleted(last, leaf)}")
            break
        h = entry_leaf_hash(leaf.hash)
        if stored.at(size) != h and not problems:
            problems.append(f"{leaf.describe()} was rewritten: its hash is no longer leaf {size}'s")
        _, frontier = append_leaves(size, frontier, [h])
        size, last = size + 1, leaf
        if size % 10_000 == 0:
            on_leaves(10_000)
        if size in issued:
            if fold_nodes(frontier) == issued[size].root_hash and not problems:
                good_upto = size
            elif not problems:
                problems.append(f"the first {size} entries no longer hash to the root of the head issued at "
                                f"{size}: an entry among leaves {good_upto} to {size - 1} was rewritten")
    if problems:
        return problems
    if size < n:
        return [f"the ledger holds {size} of the {n} entries below the kept head: it was truncated, the last "
                f"{n - size} (from leaf {size}) are gone" + (f"; the last left is {last.describe()}" if last else "")]
    if fold_nodes(frontier) != kept.root_hash:
        return [f"the first {n} entries do not hash to the kept head's root: an entry among leaves {good_upto} to "
                f"{n - 1} was rewritten (with the stored tree, so its leaf cannot be told from the database)"]
    return []


def _deleted(before: Leaf | None, after: Leaf) -> str:
    where = f"after {before.describe()} and " if before else ""
    return f"the entries {where}before {after.describe()} were deleted"


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
