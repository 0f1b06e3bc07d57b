"""Detached signatures of Markdown and HTML reports: ``<file>.sig`` beside the file.

The signature file is JSON: the algorithm, the reports key's id, the SHA-256 of the
report file and an ES256 signature (ECDSA P-256 with SHA-256, DER-encoded, in hex;
shared.domain.es256) over ``tiendo.report.v1\\n`` followed by that SHA-256 in hex (64
ASCII characters). The prefix keeps a report signature from ever being taken
for a signature of anything else the reports key might sign. Anyone can check one with the
reports key's public key and a shell (docs/report.md); the file's name is not signed, so a
report may be renamed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from shared.domain import es256
from shared.keyfiles import ReportsKey

KIND = "tiendo.report-signature.v1"
ALG = es256.ALGORITHM
DOMAIN = b"tiendo.report.v1\n"
SUFFIX = ".sig"


def signed_message(sha256_hex: str) -> bytes:
    """The bytes the signature covers."""
    return DOMAIN + sha256_hex.encode("ascii")


def signature_path(report: Path) -> Path:
    """Where the signature of ``report`` is kept: ``report.md`` → ``report.md.sig``."""
    return report.with_name(report.name + SUFFIX)


def signature_of(data: bytes, key: ReportsKey) -> dict[str, Any]:
    """The signature file's content for a report file's bytes, signed by ``key``."""
    digest = hashlib.sha256(data).hexdigest()
    return {"kind": KIND, "alg": ALG, "key_id": key.key_id, "sha256": digest,
            "signature": key.sign(signed_message(digest)).hex()}


def signature_bytes(data: bytes, key: ReportsKey) -> bytes:
    """The signature file as written (one JSON object, sorted keys, a final newline)."""
    return (json.dumps(signature_of(data, key), sort_keys=True, indent=2) + "\n").encode("utf-8")


def signature_problem(data: bytes, signature: bytes, name: str, public_key: bytes) -> str | None:
    """Why ``signature`` (a signature file's bytes) is not the reports key's (``name``,
    ``public_key``) signature of ``data``; None when it is."""
    try:
        sig = json.loads(signature)
        kind, alg, key_id, digest, value = (sig["kind"], sig["alg"], sig["key_id"], sig["sha256"], sig["signature"])
    except (ValueError, TypeError, KeyError) as exc:
        return f"the signature file is not a report signature ({exc})"
    if kind != KIND or alg != ALG:
        return f"the signature file is a {kind!r} {alg!r} signature, not a {KIND!r} {ALG!r} one"
    expected_id = es256.key_id_for(name, public_key)
    if key_id != expected_id:
        return f"the signature was made by key {key_id}, not by the reports key {expected_id}"
    actual = hashlib.sha256(data).hexdigest()
    if digest != actual:
        return f"the file was changed after it was signed: its SHA-256 is {actual}, the signature is for {digest}"
    try:
        signature = bytes.fromhex(str(value))
    except ValueError:
        return "the signature is not hex"
    if not es256.signature_matches(signed_message(digest), public_key, signature):
        return "the signature does not verify with the reports key"
    return None
