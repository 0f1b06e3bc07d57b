"""Signed tree heads: the ledger operator's signature over the Merkle tree's size and root
at a moment (docs/audit.md).

A head is a C2SP checkpoint (https://c2sp.org/tlog-checkpoint), the form Go's checksum
database, Sigstore and Trillian's Tessera publish, signed as a C2SP signed note
(https://c2sp.org/signed-note) with an Ed25519 key: any note verifier (golang.org/x/mod's
``sumdb/note``, for one) checks it given the ledger's verifier key. The body is

    <origin>\\n<tree size>\\n<root hash, base64>\\nTimestamp: <UTC, ms, Z>\\n

and the signature covers exactly those bytes. A leaf is an entry's hash (32 bytes): the
entry hash already commits to the agency, chain position, event id, payload, previous hash
and recorded time (shared/domain/chain.py), so the leaf hash is SHA-256(0x00 ‖ entry hash).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Protocol
from datetime import datetime, timezone

from shared.domain.merkle import leaf_hash
from shared.domain.signing import signature_matches

HEAD_KIND = "tiendo.tree-head.v1"
_ALG_ED25519 = b"\x01"  # the signed-note algorithm byte of Ed25519
_NAME = re.compile(r"^[^\s+]+$")
_KEY_ID = re.compile(r"^[^\s+]+\+[0-9a-f]{8}$")
_TIME = "%Y-%m-%dT%H:%M:%S.%f"


def entry_leaf_hash(entry_hash: str) -> bytes:
    """The Merkle leaf hash of a ledger entry, from its hex entry hash."""
    return leaf_hash(bytes.fromhex(entry_hash))


def head_time(moment: datetime) -> str:
    """A head's timestamp as written: UTC, milliseconds, ``Z``."""
    return moment.astimezone(timezone.utc).strftime(_TIME)[:-3] + "Z"


def parse_head_time(text: str) -> datetime:
    """The moment a head's timestamp names; ValueError unless it is as ``head_time`` writes."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if head_time(moment) != text:
        raise ValueError(f"timestamp {text!r} is not UTC with milliseconds and Z")
    return moment


def note_key_hash(name: str, public_key: bytes) -> bytes:
    """The 4-byte key hash a signed note names its key by."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ALG_ED25519 + public_key).digest()[:4]


def key_id_of(name: str, public_key: bytes) -> str:
    """``<name>+<key hash, 8 hex>``: how heads, proofs and reports name the key."""
    return f"{name}+{note_key_hash(name, public_key).hex()}"


def verifier_key(name: str, public_key: bytes) -> str:
    """The signed-note verifier key (``name+hash+base64``) an auditor gives a note verifier."""
    return f"{key_id_of(name, public_key)}+{base64.b64encode(_ALG_ED25519 + public_key).decode()}"


def parse_verifier_key(text: str) -> tuple[str, bytes]:
    """(name, raw public key) of a verifier key; ValueError for anything else."""
    try:
        name, hash_hex, key_b64 = text.strip().split("+", 2)  # base64 has + in its alphabet
        raw = base64.b64decode(key_b64, validate=True)
    except ValueError as exc:
        raise ValueError("a verifier key reads <name>+<8 hex>+<base64 key>") from exc
    if len(raw) != 33 or raw[:1] != _ALG_ED25519:
        raise ValueError("the verifier key is not an Ed25519 key")
    if note_key_hash(name, raw[1:]).hex() != hash_hex:
        raise ValueError("the verifier key's hash does not match its name and key")
    return name, raw[1:]


@dataclass(frozen=True)
class TreeHead:
    """A signed statement: at ``timestamp`` the ledger ``origin`` had ``tree_size`` entries
    and this root hash."""

    origin: str
    tree_size: int
    root_hash: bytes
    timestamp: datetime
    key_id: str
    signature: bytes

    def body(self) -> bytes:
        """The checkpoint text the signature covers."""
        return checkpoint_body(self.origin, self.tree_size, self.root_hash, self.timestamp)

    def note(self) -> str:
        """The head as a signed note (body, blank line, signature line)."""
        key_hash = bytes.fromhex(self.key_id.rsplit("+", 1)[1])
        sig = base64.b64encode(key_hash + self.signature).decode()
        return f"{self.body().decode('utf-8')}\n\u2014 {self.origin} {sig}\n"

    def to_json(self) -> dict:
        """The head as JSON (hex hashes), with its signed note for note verifiers."""
        return {"kind": HEAD_KIND, "origin": self.origin, "tree_size": self.tree_size,
                "root_hash": self.root_hash.hex(), "timestamp": head_time(self.timestamp),
                "key_id": self.key_id, "signature": self.signature.hex(), "note": self.note()}

    @classmethod
    def from_json(cls, data: dict) -> "TreeHead":
        """A head from its JSON form; ValueError naming what is wrong. The note, when
        present, must say what the fields say."""
        try:
            if data.get("kind", HEAD_KIND) != HEAD_KIND:
                raise ValueError(f"kind is {data.get('kind')!r}, not {HEAD_KIND!r}")
            head = cls(str(data["origin"]), int(data["tree_size"]), bytes.fromhex(data["root_hash"]),
                       parse_head_time(data["timestamp"]), str(data["key_id"]), bytes.fromhex(data["signature"]))
        except KeyError as exc:
            raise ValueError(f"a tree head needs {exc.args[0]!r}") from exc
        except (TypeError, AttributeError, OverflowError) as exc:  # OverflowError: 1e400 reads as infinity
            raise ValueError(f"not a tree head: {exc}") from exc
        if len(head.root_hash) != 32 or len(head.signature) != 64 or head.tree_size < 0:
            raise ValueError("a tree head has a 32-byte root hash, a 64-byte signature and a size ≥ 0")
        if not _KEY_ID.match(head.key_id):
            raise ValueError(f"key_id {head.key_id!r} is not <name>+<8 hex digits>")
        if "note" in data and data["note"] != head.note():
            raise ValueError("its note does not say what its fields say")
        return head


def checkpoint_body(origin: str, tree_size: int, root_hash: bytes, timestamp: datetime) -> bytes:
    """The C2SP checkpoint text of a tree (with the Timestamp extension line)."""
    if not _NAME.match(origin):
        raise ValueError(f"origin {origin!r} must be non-empty, without spaces or '+'")
    root = base64.b64encode(root_hash).decode()
    return f"{origin}\n{tree_size}\n{root}\nTimestamp: {head_time(timestamp)}\n".encode("utf-8")


def head_problem(head: TreeHead, name: str, public_key: bytes) -> str | None:
    """Why ``head`` is not signed by the ledger key (``name``, ``public_key``); None when it is."""
    if head.origin != name:
        return f"the head is for ledger {head.origin!r}, the key for {name!r}"
    if head.key_id != key_id_of(name, public_key):
        return f"the head was signed by key {head.key_id}, not by {key_id_of(name, public_key)}"
    if not signature_matches(head.body(), public_key, head.signature.hex()):
        return f"the signature of the head of size {head.tree_size} does not verify"
    return None


class HeadSigner(Protocol):
    """What signs heads: the ledger key (shared/keyfiles.OperatorKey)."""

    name: str
    public_key: bytes

    def sign(self, message: bytes) -> bytes: ...


def sign_head(key: HeadSigner, tree_size: int, root_hash: bytes, timestamp: datetime) -> TreeHead:
    """The head of a tree of ``tree_size`` leaves with ``root_hash``, signed at ``timestamp``."""
    moment = parse_head_time(head_time(timestamp))  # as written: milliseconds
    body = checkpoint_body(key.name, tree_size, root_hash, moment)
    return TreeHead(key.name, tree_size, root_hash, moment, key_id_of(key.name, key.public_key), key.sign(body))
