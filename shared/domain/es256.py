"""ECDSA over P-256 (secp256r1) with SHA-256, "ES256": the reports key's algorithm
(shared/keyfiles.ReportsKey; docs/report.md).

Reports are signed with it, not with Ed25519 like tree heads and events, because PDF
viewers check it: Ed25519 in a PDF signature is ISO/TS 32002, which viewers built on older
libraries (poppler 22.12 with NSS 3.87, Debian 12's) list but cannot check.

- A signature is the DER ``ECDSA-Sig-Value`` (SEQUENCE of r and s), as OpenSSL, Java's
  ``SHA256withECDSA`` and Go's ``ecdsa.VerifyASN1`` read it, not JOSE's fixed 64-byte r‖s.
  It is deterministic (RFC 6979): the same key signs the same bytes the same way, so a
  report's signature file is as reproducible as the report.
- A public key is carried as its DER SubjectPublicKeyInfo (91 bytes), which names its
  curve; its id follows the C2SP signed-note convention for ECDSA keys: the first 4 bytes
  of the SHA-256 of that DER, after the key's name.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shared.domain.signing import KeyFileError

ALGORITHM = "ES256"
_SIGNING = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)
_VERIFYING = ec.ECDSA(hashes.SHA256())


class WrongKeyType(KeyFileError):
    """A well-formed key file holding a key of another algorithm or curve."""


def new_private_key() -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 private key (from the operating system's random source)."""
    return ec.generate_private_key(ec.SECP256R1())


def private_key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The private key as unencrypted PKCS#8 PEM (kept in a 0600 file)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    """The DER SubjectPublicKeyInfo of a private key's public key."""
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_pem(der: bytes) -> bytes:
    """A DER SubjectPublicKeyInfo as PEM."""
    return _public_key(der).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key from PKCS#8 PEM; WrongKeyType for a key of another kind,
    KeyFileError for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"not an unencrypted PKCS#8 PEM private key ({exc})") from exc
    _check_kind(key, ec.EllipticCurvePrivateKey, "private")
    return key


def load_public_key(pem: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a P-256 public key in PEM; WrongKeyType for a key of
    another kind, KeyFileError for anything else."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"not a PEM public key ({exc})") from exc
    _check_kind(key, ec.EllipticCurvePublicKey, "public")
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _check_kind(key: object, kind: type, half: str) -> None:
    if not isinstance(key, kind):
        found = type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
        raise WrongKeyType(f"a {half} key of type {found}, not ECDSA P-256")
    if not isinstance(key.curve, ec.SECP256R1):
        raise WrongKeyType(f"a {half} key of type ECDSA {key.curve.name}, not ECDSA P-256 (secp256r1)")


def key_id_for(name: str, der: bytes) -> str:
    """``<name>+<first 4 bytes of SHA-256(DER SubjectPublicKeyInfo), hex>``."""
    return f"{name}+{hashlib.sha256(der).hexdigest()[:8]}"


def sign(message: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The DER ECDSA signature of SHA-256(``message``), deterministic (RFC 6979)."""
    return key.sign(message, _SIGNING)


def signature_matches(message: bytes, der: bytes, signature: bytes) -> bool:
    """Whether ``signature`` (DER) is a valid ES256 signature of ``message`` by the key
    whose DER SubjectPublicKeyInfo is ``der``."""
    try:
        _public_key(der).verify(signature, message, _VERIFYING)
    except (InvalidSignature, ValueError):
        return False
    return True


def _public_key(der: bytes) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not an ECDSA P-256 public key")
    return key
