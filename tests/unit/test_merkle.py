"""RFC 9162 Merkle hashing: the Certificate Transparency test vectors, and every proof of
every tree up to 40 leaves checked by the RFC's separate verification algorithms (and
refused once anything in it changes)."""

from __future__ import annotations

import pytest

from shared.domain import merkle
from shared.domain.merkle import (EMPTY_ROOT, consistency_proof, inclusion_proof, leaf_hash, root_hash,
                                  verify_consistency, verify_inclusion)

# The leaves and roots of the CT reference tests (RFC 6962 / 9162 hashing).
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
HASHES = [leaf_hash(leaf) for leaf in LEAVES]


def test_the_empty_tree_and_the_reference_roots():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert [root_hash(HASHES[:n]).hex() for n in range(1, 9)] == ROOTS


def _tree(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _flip(h: bytes) -> bytes:
    return bytes([h[0] ^ 1]) + h[1:]


@pytest.mark.parametrize("n", range(1, 41))
def test_every_inclusion_proof_verifies_and_nothing_else_does(n):
    leaves = _tree(n)
    root = root_hash(leaves)
    for i in range(n):
        proof = inclusion_proof(i, leaves)
        assert verify_inclusion(leaves[i], i, n, proof, root)
        assert not verify_inclusion(_flip(leaves[i]), i, n, proof, root)
        assert not verify_inclusion(leaves[i], i, n, proof, _flip(root))
        if proof:
            assert not verify_inclusion(leaves[i], i, n, [_flip(proof[0]), *proof[1:]], root)
            assert not verify_inclusion(leaves[i], i, n, proof[:-1], root)
        if n > 1:
            assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, root)


@pytest.mark.parametrize("n", range(1, 41))
def test_every_consistency_proof_verifies_and_nothing_else_does(n):
    leaves = _tree(n)
    new_root = root_hash(leaves)
    for m in range(1, n + 1):
        old_root = root_hash(leaves[:m])
        proof = consistency_proof(m, leaves)
        assert verify_consistency(m, old_root, n, new_root, proof)
        assert not verify_consistency(m, _flip(old_root), n, new_root, proof)
        assert not verify_consistency(m, old_root, n, _flip(new_root), proof)
        if proof:
            assert not verify_consistency(m, old_root, n, new_root, [*proof[:-1], _flip(proof[-1])])
            assert not verify_consistency(m, old_root, n, new_root, proof[:-1])
        if m < n:
            # A rewritten history: the same size, another last leaf.
            other = root_hash([*leaves[:m - 1], _flip(leaves[m - 1])])
            assert not verify_consistency(m, other, n, new_root, proof)


def test_out_of_range_requests_are_refused():
    with pytest.raises(ValueError):
        inclusion_proof(3, _tree(3))
    with pytest.raises(ValueError):
        consistency_proof(0, _tree(3))
    assert not verify_inclusion(HASHES[0], 5, 5, [], ROOTS[4])
    assert not verify_consistency(3, ROOTS[2], 2, ROOTS[1], [])


def _stored_tree(leaves):
    """What a store keeps: every complete node, built leaf batch by leaf batch."""
    nodes, frontier, size = {}, [], 0
    for start in range(0, len(leaves), 3):
        made, frontier = merkle.append_leaves(size, frontier, leaves[start:start + 3])
        nodes.update({(level, index): h for level, index, h in made})
        size += len(leaves[start:start + 3])
    return nodes, frontier


def _from_nodes(nodes, lo, hi):
    return merkle.fold_nodes([nodes[n] for n in merkle.perfect_nodes(lo, hi)])


@pytest.mark.parametrize("n", range(1, 41))
def test_a_stored_tree_answers_every_root_and_proof_from_its_nodes(n):
    leaves = _tree(n)
    nodes, frontier = _stored_tree(leaves)
    assert merkle.fold_nodes(frontier) == merkle.root_hash(leaves)
    assert len(nodes) == 2 * n - bin(n).count("1")  # every complete node, once
    for m in range(1, n + 1):
        assert _from_nodes(nodes, 0, m) == merkle.root_hash(leaves[:m])
        assert [_from_nodes(nodes, lo, hi) for lo, hi in merkle.consistency_ranges(m, n)] == \
            merkle.consistency_proof(m, leaves)
    for i in range(n):
        path = [_from_nodes(nodes, lo, hi) for lo, hi in merkle.inclusion_ranges(i, n)]
        assert merkle.verify_inclusion(leaves[i], i, n, path, merkle.root_hash(leaves))
