"""Ed25519 signatures over an event's canonical bytes (docs/contract.md, section 5).

An agency generates its own key pair and keeps the private key; Tiến độ stores public
keys only, so nothing it holds can sign in an agency's name. Key files are PEM: the
private key PKCS#8, the public key SubjectPublicKeyInfo, which the JDK, node:crypto,
Go's crypto/x509 and OpenSSL all read. Signing (rare, agency side) goes through
`cryptography`; verification (every event ingest admits, every entry verify re-checks)
through libsodium (PyNaCl), which measured a third cheaper per event (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


class KeyFileError(ValueError):
    """A key file that is not a key of the expected kind (Ed25519 here; ECDSA P-256 for
    shared.domain.es256) in the expected PEM form."""


def new_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key (from the operating system's random source)."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM (the file stays with the agency, 0600)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(raw: bytes) -> bytes:
    """The raw 32-byte public key as SubjectPublicKeyInfo PEM."""
    return Ed25519PublicKey.from_public_bytes(raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_of(key: Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of a private key's public key."""
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PKCS#8 PEM; KeyFileError for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"not an unencrypted PKCS#8 PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"a {type(key).__name__}, not an Ed25519 private key")
    return key


def load_public_key(pem: bytes) -> bytes:
    """The raw 32 bytes of an Ed25519 public key in SubjectPublicKeyInfo PEM."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"not a PEM public key ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"a {type(key).__name__}, not an Ed25519 public key")
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(agency_id: str, public_key: bytes) -> str:
    """The id of an agency's key: the agency and the first 16 hex digits of the SHA-256 of
    the raw public key, so an id names one key and says whose it is."""
    return f"{agency_id}.{hashlib.sha256(public_key).hexdigest()[:16]}"


def sign(canonical: bytes, key: Ed25519PrivateKey) -> str:
    """The lowercase hex Ed25519 signature (128 digits) of ``canonical``."""
    return key.sign(canonical).hex()


@lru_cache(maxsize=4096)
def _verifier(public_key: bytes) -> nacl.signing.VerifyKey:
    return nacl.signing.VerifyKey(public_key)


def signature_matches(canonical: bytes, public_key: bytes, value: str) -> bool:
    """Whether ``value`` (hex) is a valid Ed25519 signature of ``canonical`` by the key."""
    try:
        signature = bytes.fromhex(value)
    except ValueError:
        return False
    if len(signature) != 64:
        return False
    try:
        _verifier(public_key).verify(canonical, signature)
    except nacl.exceptions.BadSignatureError:
        return False
    return True
