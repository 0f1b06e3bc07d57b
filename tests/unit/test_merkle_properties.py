"""RFC 9162 Merkle proofs, as properties over random trees of 1..70 distinct leaves: every
inclusion and consistency proof verifies; one bit changed anywhere (a proof element, the
leaf hash, a root) and it no longer does; nor at another index.

A wrong tree size is subtler, and the same in every RFC 9162 verifier: the proof does not
carry the size, so the check refuses a wrong size exactly when that size changes the
proof's shape (which side each proof element hashes in from), and cannot tell when it does
not: leaf 0's proof in a tree of 8 also checks as a proof in a tree of 7 against the same
root. The signed tree head binds the size to the root, not the proof. `_sides` and
`_shape` give that shape from the RFC's recursive definitions of PATH and PROOF."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.merkle import (consistency_proof, inclusion_proof, leaf_hash, node_hash, root_hash,
                                  verify_consistency, verify_inclusion)

MAX_LEAVES = 70

# Distinct leaves (with two equal leaves, swapping them is no change anyone could see): the
# size is drawn first, so that big trees are as likely as small ones, then a salt for the data.
trees = st.builds(lambda n, salt: [leaf_hash(salt + i.to_bytes(2, "big")) for i in range(n)],
                  st.integers(1, MAX_LEAVES), st.binary(max_size=16))

# Derandomized: the same examples on every run (about two seconds for the three).
WHOLE_TREES = settings(max_examples=100, deadline=None, derandomize=True)
ONE_CHANGE = settings(max_examples=300, deadline=None, derandomize=True)


def _split(n: int) -> int:
    k = 1
    while 2 * k < n:
        k *= 2
    return k


def _sides(index: int, size: int) -> tuple[str, ...]:
    """PATH(index, D[size]) bottom up: whether each element is the sibling on the left or right."""
    if size == 1:
        return ()
    k = _split(size)
    return _sides(index, k) + ("R",) if index < k else _sides(index - k, size - k) + ("L",)


def _shape(m: int, n: int, complete: bool = True) -> tuple[str, ...]:
    """PROOF(m, D[n]) in order: "start" for a node of the old tree the proof starts from, "L" for a
    node left of the path (in both trees), "R" for one right of it (in the new tree only)."""
    if m == n:
        return () if complete else ("start",)
    k = _split(n)
    return _shape(m, k, complete) + ("R",) if m <= k else _shape(m - k, n - k, False) + ("L",)


def _flip(h: bytes, byte: int, bit: int) -> bytes:
    return h[:byte] + bytes([h[byte] ^ (1 << bit)]) + h[byte + 1:]


@WHOLE_TREES
@given(trees)
def test_every_proof_verifies(leaves):
    n = len(leaves)
    root = root_hash(leaves)
    for i in range(n):
        proof = inclusion_proof(i, leaves)
        assert len(proof) == len(_sides(i, n))
        assert verify_inclusion(leaves[i], i, n, proof, root)
    for m in range(1, n + 1):
        proof = consistency_proof(m, leaves)
        assert len(proof) == len(_shape(m, n))
        assert verify_consistency(m, root_hash(leaves[:m]), n, root, proof)


@ONE_CHANGE
@given(trees, st.data())
def test_a_changed_inclusion_proof_is_refused(leaves, data):
    n = len(leaves)
    i = data.draw(st.integers(0, n - 1), label="index")
    leaf, root, proof = leaves[i], root_hash(leaves), inclusion_proof(i, leaves)
    assert verify_inclusion(leaf, i, n, proof, root)

    byte, bit = data.draw(st.integers(0, 31), label="byte"), data.draw(st.integers(0, 7), label="bit")
    what = data.draw(st.sampled_from(["proof", "leaf", "root"] if proof else ["leaf", "root"]), label="what")
    if what == "proof":
        k = data.draw(st.integers(0, len(proof) - 1), label="element")
        changed = [*proof[:k], _flip(proof[k], byte, bit), *proof[k + 1:]]
        assert not verify_inclusion(leaf, i, n, changed, root)
    elif what == "leaf":
        assert not verify_inclusion(_flip(leaf, byte, bit), i, n, proof, root)
    else:
        assert not verify_inclusion(leaf, i, n, proof, _flip(root, byte, bit))

    # One element too many is refused, even against the root that element would fold into.
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra element")
    assert not verify_inclusion(leaf, i, n, [*proof, extra], node_hash(extra, root))
    assert not verify_inclusion(leaf, i, n, [*proof, extra], node_hash(root, extra))
    if proof:
        assert not verify_inclusion(leaf, i, n, proof[:-1], root)

    other = data.draw(st.integers(-1, n + 2).filter(lambda j: j != i), label="wrong index")
    assert not verify_inclusion(leaf, other, n, proof, root)

    size = data.draw(st.integers(0, 2 * n + 2).filter(lambda s: s != n), label="wrong size")
    assert verify_inclusion(leaf, i, size, proof, root) is (i < size and _sides(i, size) == _sides(i, n))


@ONE_CHANGE
@given(trees, st.data())
def test_a_changed_consistency_proof_is_refused(leaves, data):
    n = len(leaves)
    m = data.draw(st.integers(1, n), label="old size")
    old, new, proof = root_hash(leaves[:m]), root_hash(leaves), consistency_proof(m, leaves)
    assert verify_consistency(m, old, n, new, proof)

    byte, bit = data.draw(st.integers(0, 31), label="byte"), data.draw(st.integers(0, 7), label="bit")
    what = data.draw(st.sampled_from(["proof", "old", "new"] if proof else ["old", "new"]), label="what")
    if what == "proof":
        k = data.draw(st.integers(0, len(proof) - 1), label="element")
        changed = [*proof[:k], _flip(proof[k], byte, bit), *proof[k + 1:]]
        assert not verify_consistency(m, old, n, new, changed)
    elif what == "old":
        assert not verify_consistency(m, _flip(old, byte, bit), n, new, proof)
    else:
        assert not verify_consistency(m, old, n, _flip(new, byte, bit), proof)

    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra element")
    assert not verify_consistency(m, old, n, node_hash(extra, new), [*proof, extra])
    assert not verify_consistency(m, old, n, node_hash(new, extra), [*proof, extra])
    if proof:
        assert not verify_consistency(m, old, n, new, proof[:-1])

    m2 = data.draw(st.integers(0, n + 2), label="claimed old size")
    n2 = data.draw(st.integers(0, 2 * n + 2), label="claimed new size")
    expected = (m2, n2) == (m, n) or (0 < m2 <= n2 and _shape(m2, n2) == _shape(m, n))
    assert verify_consistency(m2, old, n2, new, proof) is expected


def test_the_size_is_not_in_the_proof():
    """The case the docstring names: leaf 0 of 8 also checks as leaf 0 of 7 (5, 6) against the
    8-leaf root, the shapes being the same; of 4 or 9 it does not."""
    leaves = [leaf_hash(bytes([i])) for i in range(8)]
    proof, root = inclusion_proof(0, leaves), root_hash(leaves)
    assert [s for s in range(12) if verify_inclusion(leaves[0], 0, s, proof, root)] == [5, 6, 7, 8]
