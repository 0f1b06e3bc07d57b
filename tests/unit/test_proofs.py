"""Proof files (shared/domain/proofs.py) checked with nothing but the file and the ledger's
public key: every proof of a small in-memory ledger holds, each alteration an attacker or
an accident could make is refused with the problem named, and a malformed file gives a
list of problems, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.domain.proofs import CONSISTENCY_KIND, INCLUSION_KIND, check_proof
from shared.domain.tree_head import TreeHead, entry_leaf_hash, parse_verifier_key, sign_head
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, load_public_key_file
from tests.unit.proof_samples import AWKWARD_PAYLOADS, SmallLedger, contract_examples, small_ledger

SIZE = 7
INDEX = 3


@pytest.fixture
def ledger(tmp_path) -> SmallLedger:
    plain = [f'{{"n":{i},"ghi_chú":"Đồng Tháp"}}' for i in range(SIZE - 2)]
    return small_ledger(tmp_path, plain + AWKWARD_PAYLOADS[:2])


@pytest.fixture
def public(ledger) -> tuple[str, bytes]:
    return load_public_key_file(ledger.public_key_file)


def _check(data: dict, public: tuple[str, bytes]) -> list[str]:
    # What check-proof reads: the file's bytes, parsed.
    return check_proof(json.loads(json.dumps(data, ensure_ascii=False)), *public)


def _flip(hex_text: str, at: int = -1) -> str:
    digits = list(hex_text)
    digits[at] = "0" if digits[at] != "0" else "1"
    return "".join(digits)


def _changed_head(head: dict, **fields) -> dict:
    """The head's JSON with fields changed and its note written to say the same: a change
    made without the key (the signature stays what it was unless it is the change)."""
    return replace(TreeHead.from_json(head), **fields).to_json()


def test_every_inclusion_proof_holds_under_every_head_that_covers_it(ledger, public) -> None:
    for size in range(1, SIZE + 1):
        for index in range(size):
            assert _check(ledger.inclusion(index, size), public) == [], (index, size)


def test_every_consistency_proof_holds(ledger, public) -> None:
    for size in range(1, SIZE + 1):
        for old in range(1, size + 1):
            assert _check(ledger.consistency(old, size), public) == [], (old, size)


def test_awkward_payloads_hash_as_ingest_hashed_them(tmp_path) -> None:
    awkward = small_ledger(tmp_path, AWKWARD_PAYLOADS)
    public = load_public_key_file(awkward.public_key_file)
    for index in range(len(AWKWARD_PAYLOADS)):
        assert _check(awkward.inclusion(index), public) == []


Alteration = Callable[[dict, SmallLedger], None]


def _entry(**fields) -> Alteration:
    return lambda d, _: d["entry"].update(fields)


def _set(**fields) -> Alteration:
    return lambda d, _: d.update(fields)


def _path(change: Callable[[list], None]) -> Alteration:
    return lambda d, _: change(d["audit_path"])


def _head(**fields) -> Alteration:
    return lambda d, _: d.update(tree_head=_changed_head(d["tree_head"], **fields))


def _entry_hash_and_leaf(d: dict, _) -> None:
    d["entry"]["hash"] = _flip(d["entry"]["hash"])
    d["leaf_hash"] = entry_leaf_hash(d["entry"]["hash"]).hex()


def _resigned_over_another_root(d: dict, ledger: SmallLedger) -> None:
    # The ledger's own key signs a head over another tree of the same size: the signature
    # holds, and the path must be what refuses it.
    d["tree_head"] = sign_head(ledger.key, SIZE, bytes.fromhex(_flip(d["tree_head"]["root_hash"])),
                               ledger.head(SIZE).timestamp).to_json()


def _signed_by_another_key(d: dict, ledger: SmallLedger) -> None:
    other = OperatorKey(LEDGER_KEY_NAME, Ed25519PrivateKey.generate())
    d["tree_head"] = sign_head(other, SIZE, ledger.head(SIZE).root_hash, ledger.head(SIZE).timestamp).to_json()


def _under_an_older_head(d: dict, ledger: SmallLedger) -> None:
    d["tree_head"], d["tree_size"] = ledger.head(SIZE - 1).to_json(), SIZE - 1


NOT_ITS_HASH = "does not hash to its entry hash"
NO_PATH = "audit path does not lead"

INCLUSION_ALTERATIONS: dict[str, tuple[Alteration, list[str]]] = {
    "payload changed": (_entry(payload='{"n":3,"ghi_chú":"Dong Thap"}'), [NOT_ITS_HASH]),
    "agency changed": (_entry(agency_id="hue"), [NOT_ITS_HASH]),
    "chain position changed": (_entry(chain_pos=INDEX + 2), [NOT_ITS_HASH]),
    "event id changed": (_entry(event_id="ha-noi-9999"), [NOT_ITS_HASH]),
    "previous hash changed": (_entry(prev_hash="0" * 64), [NOT_ITS_HASH]),
    "recorded time changed": (_entry(recorded_at="2025-12-01T00:00:00.000000Z"), [NOT_ITS_HASH]),
    "entry hash changed": (lambda d, _: d["entry"].update(hash=_flip(d["entry"]["hash"])),
                           [NOT_ITS_HASH, "leaf hash is not"]),
    "entry hash and leaf hash changed together": (_entry_hash_and_leaf, [NOT_ITS_HASH, NO_PATH]),
    "leaf hash changed": (lambda d, _: d.update(leaf_hash=_flip(d["leaf_hash"])), ["leaf hash is not"]),
    "leaf index changed": (_set(leaf_index=INDEX + 1), [NO_PATH]),
    "leaf index negative": (_set(leaf_index=-1), [NO_PATH]),
    "leaf index past the tree": (_set(leaf_index=SIZE), [NO_PATH]),
    "path element flipped": (_path(lambda p: p.__setitem__(1, _flip(p[1], 5))), [NO_PATH]),
    "path element dropped": (_path(lambda p: p.pop()), [NO_PATH]),
    "path element added": (_path(lambda p: p.append("ab" * 32)), [NO_PATH]),
    "path elements swapped": (_path(lambda p: p.reverse()), [NO_PATH]),
    "proof's tree size changed": (_set(tree_size=SIZE - 1), ["its head for"]),
    "head signature flipped": (lambda d, _: d.update(tree_head=_changed_head(
        d["tree_head"], signature=bytes.fromhex(_flip(d["tree_head"]["signature"], 0)))), ["does not verify"]),
    "head root changed": (lambda d, _: d.update(tree_head=_changed_head(
        d["tree_head"], root_hash=bytes.fromhex(_flip(d["tree_head"]["root_hash"])))), ["does not verify"]),
    "head size changed": (_head(tree_size=SIZE + 1), ["does not verify", "its head for"]),
    "head re-signed over another root": (_resigned_over_another_root, [NO_PATH]),
    "head signed by another key": (_signed_by_another_key, ["signed by key"]),
    "under an older head, the path kept": (_under_an_older_head, [NO_PATH]),
    "head root field changed, note kept": (lambda d, _: d["tree_head"].update(
        root_hash=_flip(d["tree_head"]["root_hash"])), ["note does not say"]),
    "head note changed, fields kept": (lambda d, _: d["tree_head"].update(
        note=d["tree_head"]["note"].replace("\n", "\n1", 1)), ["note does not say"]),
}


@pytest.mark.parametrize("alteration", list(INCLUSION_ALTERATIONS))
def test_each_alteration_of_an_inclusion_proof_is_refused_and_named(ledger, public, alteration) -> None:
    data = ledger.inclusion(INDEX)
    assert _check(data, public) == []
    alter, named = INCLUSION_ALTERATIONS[alteration]
    alter(data, ledger)
    problems = _check(data, public)
    assert problems, "accepted"
    for words in named:
        assert any(words in p for p in problems), problems


def test_a_proof_is_refused_under_another_key_or_another_ledger_name(ledger, public) -> None:
    other = OperatorKey(LEDGER_KEY_NAME, Ed25519PrivateKey.generate())
    data = ledger.inclusion(INDEX)
    [problem] = check_proof(data, LEDGER_KEY_NAME, other.public_key)
    assert f"signed by key {data['tree_head']['key_id']}, not by" in problem
    [problem] = check_proof(ledger.consistency(2), LEDGER_KEY_NAME, other.public_key)[:1]
    assert "signed by key" in problem
    [problem] = check_proof(data, "tiendo.reports", public[1])
    assert "the head is for ledger 'tiendo.ledger', the key for 'tiendo.reports'" in problem


def _old_head_of_another_size(d: dict, ledger: SmallLedger) -> None:
    d["from"], d["from_size"] = ledger.head(4).to_json(), 4


def _new_head_resigned_over_another_root(d: dict, ledger: SmallLedger) -> None:
    new = ledger.head(SIZE)
    d["to"] = sign_head(ledger.key, SIZE, bytes.fromhex(_flip(new.root_hash.hex())), new.timestamp).to_json()


def _swapped(d: dict, _) -> None:
    d["from"], d["to"], d["from_size"], d["to_size"] = d["to"], d["from"], d["to_size"], d["from_size"]


NOT_PREFIX = "does not show the tree of"

CONSISTENCY_ALTERATIONS: dict[str, tuple[Alteration, list[str]]] = {
    **{f"proof element {i} flipped": (lambda d, _, i=i: d["proof"].__setitem__(i, _flip(d["proof"][i], 7)),
                                      [NOT_PREFIX]) for i in range(4)},
    "proof element dropped": (lambda d, _: d["proof"].pop(0), [NOT_PREFIX]),
    "proof element added": (lambda d, _: d["proof"].append("cd" * 32), [NOT_PREFIX]),
    "old head of another size": (_old_head_of_another_size, [NOT_PREFIX]),
    "from_size changed": (_set(from_size=4), ["from_size and to_size are not"]),
    "new head's signature flipped": (lambda d, _: d.update(to=_changed_head(
        d["to"], signature=bytes.fromhex(_flip(d["to"]["signature"], 0)))), ["does not verify"]),
    "old head's root changed": (lambda d, _: d.update(**{"from": _changed_head(
        d["from"], root_hash=bytes.fromhex(_flip(d["from"]["root_hash"])))}), ["does not verify", NOT_PREFIX]),
    "new head re-signed over another root": (_new_head_resigned_over_another_root, [NOT_PREFIX]),
    "heads swapped": (_swapped, [NOT_PREFIX]),
}


@pytest.mark.parametrize("alteration", list(CONSISTENCY_ALTERATIONS))
def test_each_alteration_of_a_consistency_proof_is_refused_and_named(ledger, public, alteration) -> None:
    data = ledger.consistency(3)
    assert _check(data, public) == [] and len(data["proof"]) == 4
    alter, named = CONSISTENCY_ALTERATIONS[alteration]
    alter(data, ledger)
    problems = _check(data, public)
    assert problems, "accepted"
    for words in named:
        assert any(words in p for p in problems), problems


@pytest.mark.parametrize("kind", [None, "", "tiendo.inclusion-proof.v2", "tiendo.tree-head.v1", 1])
def test_a_file_of_an_unknown_kind_is_refused(ledger, public, kind) -> None:
    data = ledger.inclusion(INDEX)
    data["kind"] = kind
    [problem] = _check(data, public)
    assert f"is neither {INCLUSION_KIND!r} nor {CONSISTENCY_KIND!r}" in problem


MALFORMED_INCLUSION = {
    "leaf_index": ["three", None, [], {}, 1e400],
    "tree_size": [None, "seven", 1e400],
    "audit_path": [None, "ab" * 32, [1], ["zz" * 32], [None], 5],
    "leaf_hash": [None, 5],
    "entry": [None, [], "entry", {}],
    "entry.recorded_at": [None, 5, "yesterday", ""],
    "entry.chain_pos": ["second", None, [], 1e400],
    "entry.payload": [None, 5, {"n": 1}],
    "entry.hash": [None, "not hex", 5],
    "tree_head": [None, [], "head", {}],
    "tree_head.tree_size": [-1, "many", None, 1e400],
    "tree_head.root_hash": ["00", None, "zz" * 32],
    "tree_head.signature": ["ab", None],
    "tree_head.timestamp": ["yesterday", None, 5],
    "tree_head.key_id": ["no hash here", None],
    "tree_head.note": [None, 5, ""],
}


OPTIONAL = {"tree_head.note"}
"""A head's note repeats its fields for note verifiers: a head without it is still checked."""


def test_a_head_without_its_note_is_checked_on_its_fields(ledger, public) -> None:
    data = ledger.inclusion(INDEX)
    del data["tree_head"]["note"]
    assert _check(data, public) == []
    data["tree_head"]["timestamp"] = "2026-01-01T00:00:00.000Z"
    assert any("does not verify" in p for p in _check(data, public))


def _set_path(data: dict, path: str, value) -> None:
    *parents, name = path.split(".")
    for parent in parents:
        data = data[parent]
    data[name] = value


def _malformed(ledger: SmallLedger, make: Callable[[], dict], fields: dict[str, list]):
    for path, values in fields.items():
        for value in values:
            data = make()
            _set_path(data, path, value)
            yield f"{path}={value!r}", json.loads(json.dumps(data))  # 1e400 is read back as infinity
        if path in OPTIONAL:
            continue
        data = make()
        *parents, name = path.split(".")
        target = data
        for parent in parents:
            target = target[parent]
        del target[name]
        yield f"{path} missing", data


def test_a_malformed_inclusion_proof_is_a_list_of_problems_never_a_traceback(ledger, public) -> None:
    for case, data in _malformed(ledger, lambda: ledger.inclusion(INDEX), MALFORMED_INCLUSION):
        problems = check_proof(data, *public)
        assert problems and all(isinstance(p, str) for p in problems), case


MALFORMED_CONSISTENCY = {
    "from_size": [None, "three", 1e400, 0],
    "to_size": [None, [], 1e400],
    "proof": [None, "cd" * 32, [5], ["zz" * 32], 7],
    "from": [None, [], {}, "head"],
    "to": [None, [], {}],
    "from.tree_size": [0, -3, "x"],
    "to.root_hash": ["", None],
}


def test_a_malformed_consistency_proof_is_a_list_of_problems_never_a_traceback(ledger, public) -> None:
    for case, data in _malformed(ledger, lambda: ledger.consistency(3), MALFORMED_CONSISTENCY):
        problems = check_proof(data, *public)
        assert problems and all(isinstance(p, str) for p in problems), case


def test_the_contract_examples_hold() -> None:
    key, receipt, head, proof = contract_examples()
    name, public_key = parse_verifier_key(key)
    assert check_proof(proof, name, public_key) == []
    assert proof["tree_head"] == head and TreeHead.from_json(head).tree_size == 3
    assert proof["entry"]["event_id"] == "hn-20250402-0001" and "Nguyễn Thị Lan" in proof["entry"]["payload"]
    entry = proof["entry"]
    assert receipt == {"kind": "tiendo.receipt.v1", "agency_id": entry["agency_id"], "event_id": entry["event_id"],
                       "seq": entry["seq"], "chain_pos": entry["chain_pos"], "leaf_index": proof["leaf_index"],
                       "entry_hash": entry["hash"], "prev_hash": entry["prev_hash"],
                       "recorded_at": entry["recorded_at"]}
