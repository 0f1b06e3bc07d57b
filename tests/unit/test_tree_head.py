"""Signed tree heads (shared/domain/tree_head.py): a C2SP checkpoint signed as a C2SP signed
note with the ledger's Ed25519 key. Signing and checking agree; the note is laid out byte
for byte as the specifications say (and as golang.org/x/mod's note package writes it: its
published example is reproduced); verifier keys parse and anything else is refused; a head's
JSON is refused when its note says something else or its sizes are wrong."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.domain.merkle import EMPTY_ROOT, leaf_hash
from shared.domain.tree_head import (HEAD_KIND, TreeHead, checkpoint_body, entry_leaf_hash, head_problem,
                                     key_id_of, note_key_hash, parse_verifier_key, sign_head, verifier_key)
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, load_public_key_file, public_path

ROOT = hashlib.sha256(b"a root").digest()
AT = datetime(2025, 4, 2, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=7)))

# golang.org/x/mod/sumdb/note's published example (its package documentation): the signer
# key, the verifier key it derives and the signature line of its signed note.
GO_SIGNER_KEY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = b"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="


@pytest.fixture
def key(tmp_path) -> OperatorKey:
    return OperatorKey.create(tmp_path / "ledger.key.pem", LEDGER_KEY_NAME)


@pytest.fixture
def head(key) -> TreeHead:
    return sign_head(key, 1234, ROOT, AT)


def test_a_signed_head_verifies_with_the_public_key_file_and_round_trips_as_json(key, head, tmp_path) -> None:
    name, public = load_public_key_file(public_path(tmp_path / "ledger.key.pem"))
    assert (name, public) == (LEDGER_KEY_NAME, key.public_key)
    assert head_problem(head, name, public) is None
    assert head.timestamp == datetime(2025, 4, 2, 2, 30, 0, 123000, tzinfo=timezone.utc)  # UTC, milliseconds
    assert TreeHead.from_json(head.to_json()) == head
    assert head.to_json()["kind"] == HEAD_KIND


def test_the_checkpoint_body_is_origin_size_root_and_timestamp_lines(head) -> None:
    assert head.body() == (b"tiendo.ledger\n1234\n" + base64.b64encode(ROOT)
                           + b"\nTimestamp: 2025-04-02T02:30:00.123Z\n")
    empty = checkpoint_body("tiendo.ledger", 0, EMPTY_ROOT, AT)
    assert empty.split(b"\n")[1:3] == [b"0", b"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]  # RFC 9162 empty tree


@pytest.mark.parametrize("origin", ["", "tiendo ledger", "tiendo+ledger", "tiendo\nledger"])
def test_an_origin_with_spaces_or_plus_is_refused(origin) -> None:
    with pytest.raises(ValueError):
        checkpoint_body(origin, 1, ROOT, AT)


def test_the_note_is_the_body_a_blank_line_and_one_signature_line(key, head) -> None:
    note = head.note()
    body, signature_line = note.split("\n\n")
    assert (body + "\n").encode() == head.body()
    assert signature_line.startswith("\u2014 tiendo.ledger ") and signature_line.endswith("\n")
    assert signature_line.count("\n") == 1
    blob = base64.b64decode(signature_line.removeprefix("\u2014 tiendo.ledger ").rstrip("\n"), validate=True)
    key_hash = hashlib.sha256(b"tiendo.ledger\n\x01" + key.public_key).digest()[:4]
    assert blob[:4] == key_hash == note_key_hash(LEDGER_KEY_NAME, key.public_key)
    assert blob[4:] == head.signature and len(blob) == 68
    Ed25519PublicKey.from_public_bytes(key.public_key).verify(blob[4:], head.body())  # raises if not
    assert head.key_id == f"tiendo.ledger+{key_hash.hex()}" == key_id_of(LEDGER_KEY_NAME, key.public_key)


def test_the_note_format_reproduces_go_sumdb_note_published_example() -> None:
    seed = base64.b64decode(GO_SIGNER_KEY)[1:]  # the algorithm byte 0x01, then the Ed25519 seed
    private = Ed25519PrivateKey.from_private_bytes(seed)
    go_key = OperatorKey("PeterNeumann", private)
    assert verifier_key("PeterNeumann", go_key.public_key) == GO_VERIFIER_KEY
    assert parse_verifier_key(GO_VERIFIER_KEY) == ("PeterNeumann", go_key.public_key)
    signature = go_key.sign(GO_TEXT)  # Ed25519 is deterministic: the same bytes as Go's
    assert base64.b64encode(note_key_hash("PeterNeumann", go_key.public_key) + signature).decode() == GO_SIGNATURE


def test_the_verifier_key_round_trips(key) -> None:
    text = verifier_key(LEDGER_KEY_NAME, key.public_key)
    name, hash_hex, b64 = text.split("+", 2)
    assert (name, hash_hex) == (LEDGER_KEY_NAME, note_key_hash(name, key.public_key).hex())
    assert base64.b64decode(b64) == b"\x01" + key.public_key
    assert parse_verifier_key(text) == (LEDGER_KEY_NAME, key.public_key)
    assert parse_verifier_key(f"  {text}\n") == (LEDGER_KEY_NAME, key.public_key)  # as pasted from a file


def test_a_verifier_key_whose_base64_holds_a_plus_parses() -> None:
    # base64's alphabet has "+": about every other key's verifier key holds one after the hash.
    seed = next(bytes([i]) * 32 for i in range(256)
                if "+" in base64.b64encode(b"\x01" + OperatorKey("k", Ed25519PrivateKey.from_private_bytes(
                    bytes([i]) * 32)).public_key).decode())
    key = OperatorKey(LEDGER_KEY_NAME, Ed25519PrivateKey.from_private_bytes(seed))
    text = verifier_key(LEDGER_KEY_NAME, key.public_key)
    assert text.count("+") > 2
    assert parse_verifier_key(text) == (LEDGER_KEY_NAME, key.public_key)


def _refusals(key) -> dict[str, str]:
    text = verifier_key(LEDGER_KEY_NAME, key.public_key)
    name, hash_hex, b64 = text.split("+", 2)
    raw = base64.b64decode(b64)
    other_hash = f"{int(hash_hex, 16) ^ 1:08x}"
    not_ed25519 = base64.b64encode(b"\x02" + raw[1:]).decode()
    return {
        "two parts": f"{name}+{b64}",
        "four parts": f"{text}+extra",
        "not base64": f"{name}+{hash_hex}+not base64!",
        "wrong hash": f"{name}+{other_hash}+{b64}",
        "another name": f"tiendo.reports+{hash_hex}+{b64}",
        "not Ed25519": f"{name}+{hash_hex}+{not_ed25519}",
        "short key": f"{name}+{hash_hex}+{base64.b64encode(raw[:-1]).decode()}",
        "a PEM file": "-----BEGIN PUBLIC KEY-----",
        "empty": "",
    }


@pytest.mark.parametrize("case", ["two parts", "four parts", "not base64", "wrong hash", "another name",
                                  "not Ed25519", "short key", "a PEM file", "empty"])
def test_anything_but_a_verifier_key_is_refused(key, case) -> None:
    with pytest.raises(ValueError):
        parse_verifier_key(_refusals(key)[case])


def test_a_head_is_refused_for_another_key_another_name_or_any_change(key, head) -> None:
    other = OperatorKey(LEDGER_KEY_NAME, Ed25519PrivateKey.generate())
    assert "signed by key" in head_problem(head, LEDGER_KEY_NAME, other.public_key)
    assert "for ledger 'tiendo.ledger'" in head_problem(head, "tiendo.reports", key.public_key)
    flipped = bytes([head.signature[0] ^ 1]) + head.signature[1:]
    changes = {"signature": replace(head, signature=flipped), "size": replace(head, tree_size=1235),
               "root": replace(head, root_hash=hashlib.sha256(b"another root").digest()),
               "time": replace(head, timestamp=head.timestamp + timedelta(milliseconds=1))}
    for what, changed in changes.items():
        assert "does not verify" in head_problem(changed, LEDGER_KEY_NAME, key.public_key), what


def _json_with(head: TreeHead, **fields) -> dict:
    return {**head.to_json(), **fields}


@pytest.mark.parametrize(("fields", "says"), [
    ({"tree_size": 1235}, "note does not say"),
    ({"root_hash": "00" * 32}, "note does not say"),
    ({"timestamp": "2025-04-02T02:30:00.124Z"}, "note does not say"),
    ({"key_id": "tiendo.ledger+00000000"}, "note does not say"),
    ({"signature": "00" * 64}, "note does not say"),
    ({"origin": "tiendo.reports"}, "note does not say"),
    ({"root_hash": "00" * 31, "note": None}, "32-byte root hash"),
    ({"signature": "00" * 63, "note": None}, "64-byte signature"),
    ({"tree_size": -1, "note": None}, "size ≥ 0"),
    ({"key_id": "tiendo.ledger", "note": None}, "not <name>\\+<8 hex digits>"),
    ({"key_id": "tiendo.ledger+XYZ", "note": None}, "not <name>\\+<8 hex digits>"),
    ({"root_hash": "not hex"}, "non-hexadecimal"),
    ({"tree_size": "many"}, "invalid literal"),
    ({"timestamp": "2025-04-02T09:30:00.123+07:00"}, "not UTC with milliseconds and Z"),
    ({"timestamp": "2025-04-02T02:30:00Z"}, "not UTC with milliseconds and Z"),
    ({"kind": "tiendo.inclusion-proof.v1"}, "kind is"),
    ({"signature": None}, "not a tree head"),
])
def test_from_json_refuses_a_head_whose_fields_are_wrong_or_disagree_with_its_note(head, fields, says) -> None:
    data = _json_with(head, **fields)
    if fields.get("note", "") is None:
        del data["note"]  # the size rules, without the note's own disagreement
    with pytest.raises(ValueError, match=says):
        TreeHead.from_json(data)


@pytest.mark.parametrize("missing", ["origin", "tree_size", "root_hash", "timestamp", "key_id", "signature"])
def test_from_json_names_a_missing_field(head, missing) -> None:
    data = head.to_json()
    del data[missing]
    with pytest.raises(ValueError, match=f"needs '{missing}'"):
        TreeHead.from_json(data)


def test_an_entry_leaf_is_the_raw_entry_hash() -> None:
    entry = hashlib.sha256(b"an entry").hexdigest()
    assert entry_leaf_hash(entry) == leaf_hash(bytes.fromhex(entry)) == hashlib.sha256(
        b"\x00" + bytes.fromhex(entry)).digest()
