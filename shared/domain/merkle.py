"""The Merkle tree hashing of RFC 9162 (Certificate Transparency 2.0), §2.1: tree hashes,
inclusion proofs and consistency proofs over a list of leaf hashes, and their checks.

Pure functions over leaf hashes (``leaf_hash`` of each leaf's bytes), in the order the
leaves were appended; a store that keeps the tree's nodes can answer the same questions
without the whole list (issue 14). The checks follow RFC 9162 §2.1.3.2 and §2.1.4.2, which
are separate algorithms from the proof generation (§2.1.3.1, §2.1.4.1): tests hold each
against the other and against the published CT test vectors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 ‖ leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf hashes ``leaves``."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root_hash(leaves[:k]), root_hash(leaves[k:]))


Range = tuple[int, int]
"""Leaves ``[lo, hi)`` of the tree: the subtree whose hash MTH(D[lo:hi]) a proof holds."""

Node = tuple[int, int]
"""A perfect subtree as a store keeps it: (level, index), the hash of leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 is the leaf hash itself."""


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The subtrees whose hashes make PATH(index, D[size]), in proof order (RFC 9162 §2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    out: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            out.append((mid, hi))
            hi = mid
        else:
            out.append((lo, mid))
            lo = mid
    return out[::-1]


def consistency_ranges(old_size: int, size: int) -> list[Range]:
    """The subtrees whose hashes make PROOF(old_size, D[size]), in proof order (§2.1.4.1)."""
    if not 0 < old_size <= size:
        raise ValueError(f"no consistency proof from size {old_size} to size {size}")
    out: list[Range] = []
    lo, hi, m, complete = 0, size, old_size, True
    while m != hi - lo:
        mid = lo + _split(hi - lo)
        if lo + m <= mid:
            out.append((mid, hi))
            hi = mid
        else:
            out.append((lo, mid))
            m -= mid - lo
            lo, complete = mid, False
    if not complete:
        out.append((lo, hi))
    return out[::-1]


def perfect_nodes(lo: int, hi: int) -> list[Node]:
    """The perfect subtrees that make up ``[lo, hi)``, left to right (largest first for
    any range a proof or a tree's right edge holds)."""
    out: list[Node] = []
    while lo < hi:
        level = 0
        while lo % (2 << level) == 0 and lo + (2 << level) <= hi:
            level += 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def fold_nodes(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its ``perfect_nodes``: the right edge folds first."""
    if not hashes:
        return EMPTY_ROOT
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""
    return [root_hash(leaves[lo:hi]) for lo, hi in inclusion_ranges(index, len(leaves))]


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): that the tree of the first ``old_size`` leaves is a prefix of this one."""
    return [root_hash(leaves[lo:hi]) for lo, hi in consistency_ranges(old_size, len(leaves))]


def append_leaves(size: int, frontier: Sequence[bytes], leaves: Sequence[bytes]
                  ) -> tuple[list[tuple[int, int, bytes]], list[bytes]]:
    """Add leaf hashes to a tree of ``size`` leaves whose right edge is ``frontier`` (the
    hashes of ``perfect_nodes(0, size)``): every node that becomes complete, as
    (level, index, hash) with the leaves themselves at level 0, and the new frontier.
    A store keeps those nodes and answers any proof from at most 2·log2(n) of them."""
    edge = [(node[0], h) for node, h in zip(perfect_nodes(0, size), frontier, strict=True)]
    made: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        level, index, h = 0, size, leaf
        made.append((0, index, h))
        while edge and edge[-1][0] == level:
            _, left = edge.pop()
            level, index, h = level + 1, index >> 1, node_hash(left, h)
            made.append((level, index, h))
        edge.append((level, h))
        size += 1
    return made, [h for _, h in edge]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows leaf hash ``leaf`` at ``index`` in the tree of ``size`` leaves
    whose root is ``root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size or not _hashes_ok(leaf, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows the tree (old_size, old_root) is a prefix of (new_size,
    new_root) (RFC 9162 §2.1.4.2)."""
    if not 0 < old_size <= new_size or not _hashes_ok(old_root, new_root, *proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _hashes_ok(*hashes: bytes) -> bool:
    """Every one a SHA-256 output (32 bytes): a shorter 'hash' could match by accident."""
    return all(len(h) == 32 for h in hashes)
