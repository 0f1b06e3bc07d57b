"""RFC 9162 Merkle hashing against an independent implementation: the test data of
transparency-dev/merkle (Go), copied as numbers into data/merkle_vectors.json (its "source"
says which files at which commit).

- the hasher's own vectors, and the reference tree of 8 leaves: every complete subtree's
  hash and the root of every size 0..8;
- its golden proof probes (testdata/inclusion, testdata/consistency): the proofs it accepts
  are exactly the proofs we produce, we accept them, and we refuse every altered one it
  refuses (wrong leaf, root, index, size; a bit flipped; a hash added, dropped, swapped).
  One verdict differs on purpose (OUR_VERDICT);
- the shapes of its proofs (proof/proof_test.go) for trees up to 95 leaves: which subtrees,
  in which order, make up each inclusion and consistency proof (inclusion_ranges,
  consistency_ranges), and the stored perfect nodes each is folded from (perfect_nodes,
  fold_nodes).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.domain.merkle import (EMPTY_ROOT, consistency_proof, consistency_ranges, fold_nodes, inclusion_proof,
                                  inclusion_ranges, leaf_hash, node_hash, perfect_nodes, root_hash, verify_consistency,
                                  verify_inclusion)

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())
H = bytes.fromhex

REFERENCE = VECTORS["reference_tree"]
LEAF_HASHES = [leaf_hash(H(data)) for data in REFERENCE["leaves"]]
ROOTS = [H(root) for root in REFERENCE["roots"]]  # ROOTS[n]: the tree of the first n leaves

# Where we knowingly part from the reference, our verdict and why.
OUR_VERDICT = {
    "testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json": (
        False, "its roots are 12 bytes (b\"don't care 2\"): we take only 32-byte hashes, where the "
               "reference checks the length of an inclusion proof's leaf hash only"),
}


def _params(kind: str) -> list:
    return [pytest.param(p, id=p["file"].removeprefix("testdata/")) for p in VECTORS[kind]]


def _verdict(probe: dict) -> bool:
    return OUR_VERDICT[probe["file"]][0] if probe["file"] in OUR_VERDICT else probe["valid"]


def test_the_source_is_recorded():
    source = VECTORS["source"]
    assert source["repository"] == "https://github.com/transparency-dev/merkle"
    assert len(source["commit"]) == 40
    assert len(VECTORS["inclusion_probes"]) == 98 and len(VECTORS["consistency_probes"]) == 98


def test_the_hasher_vectors():
    hasher = VECTORS["hasher"]
    assert EMPTY_ROOT == root_hash([]) == H(hasher["empty_root"])
    for leaf in hasher["leaves"]:
        assert leaf_hash(H(leaf["data"])) == H(leaf["hash"])
    for node in hasher["nodes"]:
        assert node_hash(H(node["left"]), H(node["right"])) == H(node["hash"])


def test_the_reference_tree():
    levels = REFERENCE["node_hashes"]
    assert LEAF_HASHES == [H(h) for h in levels[0]]
    for level, hashes in enumerate(levels):
        width = 1 << level
        for i, h in enumerate(hashes):
            assert root_hash(LEAF_HASHES[i * width:(i + 1) * width]) == H(h), (level, i)
    assert [root_hash(LEAF_HASHES[:n]) for n in range(len(ROOTS))] == ROOTS


def _hashes(probe: dict, *keys: str) -> list[bytes]:
    return [H(probe[k]) for k in keys]


@pytest.mark.parametrize("probe", _params("inclusion_probes"))
def test_inclusion_probe(probe):
    leaf, root = _hashes(probe, "leaf_hash", "root")
    proof = [H(p) for p in probe["proof"]]
    assert verify_inclusion(leaf, probe["index"], probe["size"], proof, root) is _verdict(probe)


@pytest.mark.parametrize("probe", _params("consistency_probes"))
def test_consistency_probe(probe):
    root1, root2 = _hashes(probe, "root1", "root2")
    proof = [H(p) for p in probe["proof"]]
    assert verify_consistency(probe["size1"], root1, probe["size2"], root2, proof) is _verdict(probe)


def _accepted(kind: str) -> list[dict]:
    return [p for p in VECTORS[kind] if p["valid"]]


def test_the_accepted_inclusion_proofs_are_ours():
    """Every proof the reference accepts is, hash for hash, the one we produce for that tree."""
    checked = 0
    for probe in _accepted("inclusion_probes"):
        index, size = probe["index"], probe["size"]
        leaf, root = _hashes(probe, "leaf_hash", "root")
        if size < len(ROOTS) and root == ROOTS[size]:  # a probe on the reference tree
            leaves = LEAF_HASHES[:size]
            assert leaves[index] == leaf
        else:  # the single-entry probe: a tree of its one leaf
            assert size == 1 and leaf == root
            leaves = [leaf]
        assert root_hash(leaves) == root
        assert [p.hex() for p in inclusion_proof(index, leaves)] == probe["proof"], probe["file"]
        checked += 1
    assert checked == 6


def test_the_accepted_consistency_proofs_are_ours():
    checked = 0
    for probe in _accepted("consistency_probes"):
        size1, size2 = probe["size1"], probe["size2"]
        root1, root2 = _hashes(probe, "root1", "root2")
        if root1 != ROOTS[size1]:  # "sizes are equal (one)" with made-up roots: an empty proof
            assert size1 == size2 and root1 == root2
        else:
            assert root2 == ROOTS[size2], probe["file"]
        assert [p.hex() for p in consistency_proof(size1, LEAF_HASHES[:size2])] == probe["proof"], probe["file"]
        checked += 1
    assert checked == 6


def _one_bit_changes(hashes: list[bytes]):
    """Each hash in turn with one bit of one byte flipped, for every byte (bit = byte mod 8)."""
    for k, h in enumerate(hashes):
        for byte in range(len(h)):
            yield k, [*hashes[:k], h[:byte] + bytes([h[byte] ^ (1 << byte % 8)]) + h[byte + 1:], *hashes[k + 1:]]


def test_the_accepted_probes_changed_by_one_bit_are_refused():
    """The reference's own wrong leaves and roots are short strings (b"WrongLeaf", b"WrongRoot"),
    which a length check alone refuses: these keep the length, so the hashing has to."""
    refused = 0
    for probe in _accepted("inclusion_probes"):
        index, size = probe["index"], probe["size"]
        hashes = _hashes(probe, "leaf_hash", "root") + [H(p) for p in probe["proof"]]
        for _, (leaf, root, *proof) in _one_bit_changes(hashes):
            assert not verify_inclusion(leaf, index, size, proof, root), probe["file"]
            refused += 1
    for probe in _accepted("consistency_probes"):
        size1, size2 = probe["size1"], probe["size2"]
        hashes = _hashes(probe, "root1", "root2") + [H(p) for p in probe["proof"]]
        if len(hashes[0]) != 32:
            continue  # the 12-byte roots of OUR_VERDICT: refused as they are
        for k, (root1, root2, *proof) in _one_bit_changes(hashes):
            assert not verify_consistency(size1, root1, size2, root2, proof), (probe["file"], k)
            refused += 1
    assert refused > 1000


# The shapes: a node (level, index) is the perfect subtree of leaves [index·2^level, (index+1)·2^level);
# the nodes in nodes[rehash[0]:rehash[1]] (listed right to left) make one proof element, the
# hash of their leaves' union. So each proof element is a range of leaves and the perfect
# nodes it is stored as.
SHAPE_LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(95)]


def _expected(shape: dict, size: int) -> tuple[list[tuple[int, int]], list[list[tuple[int, int]]]]:
    """The proof's ranges of leaves, and for each the perfect nodes it is made of, left to right."""
    nodes = [(level, index) for level, index in shape["nodes"]]
    groups = [[node] for node in nodes]
    if shape["rehash"]:
        begin, end = shape["rehash"]
        groups[begin:end] = [nodes[begin:end][::-1]]
    ranges = []
    for group in groups:
        spans = [(index << level, (index + 1) << level) for level, index in group]
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:])), shape  # adjacent, left to right
        assert spans[-1][1] <= size, shape
        ranges.append((spans[0][0], spans[-1][1]))
    return ranges, groups


def _check_ranges(ranges, groups, proof, leaves):
    assert proof == [root_hash(leaves[lo:hi]) for lo, hi in ranges]
    for (lo, hi), group in zip(ranges, groups, strict=True):
        assert perfect_nodes(lo, hi) == group
        stored = [root_hash(leaves[i << level:(i + 1) << level]) for level, i in group]
        assert fold_nodes(stored) == root_hash(leaves[lo:hi])


@pytest.mark.parametrize("shape", VECTORS["inclusion_shapes"], ids=lambda s: f"{s['index']}@{s['size']}")
def test_inclusion_proof_shape(shape):
    size, index = shape["size"], shape["index"]
    leaves = SHAPE_LEAVES[:size]
    if shape.get("error"):
        with pytest.raises(ValueError):
            inclusion_ranges(index, size)
        with pytest.raises(ValueError):
            inclusion_proof(index, leaves)
        assert not verify_inclusion(leaf_hash(b"x"), index, size, [], root_hash(leaves))
        return
    ranges, groups = _expected(shape, size)
    assert inclusion_ranges(index, size) == ranges
    proof = inclusion_proof(index, leaves)
    _check_ranges(ranges, groups, proof, leaves)
    assert verify_inclusion(leaves[index], index, size, proof, root_hash(leaves))


@pytest.mark.parametrize("shape", VECTORS["consistency_shapes"], ids=lambda s: f"{s['size1']}-{s['size2']}")
def test_consistency_proof_shape(shape):
    size1, size2 = shape["size1"], shape["size2"]
    leaves = SHAPE_LEAVES[:size2]
    if shape.get("error"):
        with pytest.raises(ValueError):
            consistency_ranges(size1, size2)
        with pytest.raises(ValueError):
            consistency_proof(size1, leaves)
        old = root_hash(SHAPE_LEAVES[:size1])
        assert not verify_consistency(size1, old, size2, root_hash(leaves), [])
        return
    ranges, groups = _expected(shape, size2)
    assert consistency_ranges(size1, size2) == ranges
    proof = consistency_proof(size1, leaves)
    _check_ranges(ranges, groups, proof, leaves)
    assert verify_consistency(size1, root_hash(leaves[:size1]), size2, root_hash(leaves), proof)
