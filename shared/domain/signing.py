"""HMAC-SHA256 signatures over an event's canonical bytes (see docs/contract.md)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

ALGORITHM = "HMAC-SHA256"


def new_secret() -> str:
    """A fresh 256-bit signing secret, hex-encoded."""
    return secrets.token_hex(32)


def new_key_id(agency_id: str) -> str:
    """A key id that says whose key it is and cannot collide with another."""
    return f"{agency_id}.{secrets.token_hex(6)}"


def sign(canonical: bytes, secret: str) -> str:
    """The lowercase hex HMAC-SHA256 of `canonical` under the hex `secret`."""
    return hmac.new(bytes.fromhex(secret), canonical, hashlib.sha256).hexdigest()


def signature_matches(canonical: bytes, secret: str, value: str) -> bool:
    """Constant-time comparison of a presented signature with the expected one."""
    return hmac.compare_digest(sign(canonical, secret), value.lower())
