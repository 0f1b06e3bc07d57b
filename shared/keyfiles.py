"""Key files as an agency keeps them: its private key (0600, never sent anywhere) and
the public key it hands the operator to register (docs/contract.md, section 5)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.domain import es256
from shared.domain.signing import (key_id_for, load_private_key, load_public_key, new_private_key, private_key_pem,
                                   public_key_of, public_key_pem)

PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"


@dataclass(frozen=True)
class SigningKey:
    """An agency's private key, as its own system keeps it (Tiến độ never stores one).

    The file is PKCS#8 PEM with two header lines before it (RFC 7468 allows text before
    the PEM block; OpenSSL, node:crypto and Go's encoding/pem skip it) naming the agency
    and the key id, so that a key file cannot be used for the wrong agency by mistake."""

    agency_id: str
    private_key: Ed25519PrivateKey

    @cached_property
    def public_key(self) -> bytes:
        """The raw 32 bytes of the public key."""
        return public_key_of(self.private_key)

    @cached_property
    def key_id(self) -> str:
        """The id the registry knows this key by."""
        return key_id_for(self.agency_id, self.public_key)

    @classmethod
    def generate(cls, agency_id: str) -> "SigningKey":
        """A new key pair for ``agency_id``."""
        return cls(agency_id, new_private_key())

    @classmethod
    def derived(cls, agency_id: str, seed: bytes) -> "SigningKey":
        """The key pair whose 32-byte Ed25519 secret is ``seed``: for simulations and
        tests, which must sign the same bytes at every run. Never for a real agency."""
        return cls(agency_id, Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def load(cls, path: Path) -> "SigningKey":
        """Read a private key file written by `tiendo agency key new`."""
        try:
            return cls.load_pem(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path} is not a Tiến độ private key file: {exc}") from exc

    @classmethod
    def load_pem(cls, pem: bytes) -> "SigningKey":
        """A key from the bytes of a private key file; ValueError for anything else."""
        headers = _headers(pem)
        if "agency_id" not in headers:
            raise ValueError("no agency_id line before the PEM block")
        key = cls(headers["agency_id"], load_private_key(pem))
        if headers.get("key_id") not in (None, key.key_id):
            raise ValueError("its key_id line does not match its key")
        return key

    def dump(self, directory: Path) -> tuple[Path, Path]:
        """Write the private key (0600, refused if the file exists or is a link) and the
        public key into ``directory``; the two paths."""
        directory.mkdir(parents=True, exist_ok=True)
        private = directory / f"{self.agency_id}{PRIVATE_SUFFIX}"
        public = directory / f"{self.agency_id}{PUBLIC_SUFFIX}"
        header = f"agency_id: {self.agency_id}\nkey_id: {self.key_id}\n".encode("utf-8")
        write_private(private, header + private_key_pem(self.private_key))
        public.write_bytes(header + public_key_pem(self.public_key))
        return private, public


def write_private(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only, with O_EXCL (never over an existing file)
    and O_NOFOLLOW (never through a symbolic link someone planted)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


LEDGER_KEY_NAME = "tiendo.ledger"
REPORTS_KEY_NAME = "tiendo.reports"


class _CreatedOnFirstUse:
    """An operator key file that is created the first time it is needed."""

    @classmethod
    def load_or_create(cls, path: Path, name: str):
        """The key in ``path``, created on first use (a new deployment, the demo, a test)."""
        try:
            return cls.create(path, name)
        except FileExistsError:
            return cls.load(path)


@dataclass(frozen=True)
class OperatorKey(_CreatedOnFirstUse):
    """The ledger key, an Ed25519 key of the ledger's operator that signs tree heads. Kept
    in a 0600 file outside the database (docs/audit.md); its public half is what auditors
    check against (`tiendo ledger key`). The reports key is a ``ReportsKey``."""

    name: str
    private_key: Ed25519PrivateKey

    @cached_property
    def public_key(self) -> bytes:
        """The raw 32 bytes of the public key."""
        return public_key_of(self.private_key)

    @classmethod
    def load(cls, path: Path) -> "OperatorKey":
        """Read a key file written by ``create``; ValueError naming the file otherwise."""
        try:
            name, pem = _read_named(path)
            return cls(name, load_private_key(pem))
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{path} is not a Tiến độ operator key file: {exc}") from exc

    @classmethod
    def create(cls, path: Path, name: str) -> "OperatorKey":
        """A new key named ``name``, written to ``path`` (0600, never over an existing file)
        with its public key beside it (``.pub.pem``)."""
        key = cls(name, new_private_key())
        _write_named(path, name, private_key_pem(key.private_key), public_key_pem(key.public_key))
        return key

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return self.private_key.sign(message)


@dataclass(frozen=True)
class ReportsKey(_CreatedOnFirstUse):
    """The reports key: the operator's ECDSA P-256 key that signs issued reports (the PDF's
    PAdES signature, the ``.sig`` of Markdown and HTML), in the same file form as the
    ledger key. P-256, not Ed25519, because PDF viewers check it (shared.domain.es256)."""

    name: str
    private_key: EllipticCurvePrivateKey

    @cached_property
    def public_key(self) -> bytes:
        """The public key as DER SubjectPublicKeyInfo."""
        return es256.public_key_der(self.private_key)

    @cached_property
    def key_id(self) -> str:
        """``<name>+<8 hex>``: how report signatures name the key."""
        return es256.key_id_for(self.name, self.public_key)

    @classmethod
    def load(cls, path: Path) -> "ReportsKey":
        """Read a key file written by ``create``; ValueError naming the file and, for a key
        of another kind (an Ed25519 reports key, made before reports were signed with
        P-256), what to do."""
        try:
            name, pem = _read_named(path)
            return cls(name, es256.load_private_key(pem))
        except es256.WrongKeyType as exc:
            pub = public_path(path)
            raise ValueError(f"{path} holds {exc}: reports are signed with an ECDSA P-256 key now, which PDF "
                             f"viewers can check. Move {path} and {pub.name} away and run the command again: a new "
                             f"P-256 reports key is created at {path}; publish its public half {pub.name}, and build "
                             f"again the reports the old key signed to sign them with the new one") from None
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"{path} is not a Tiến độ reports key file: {exc}") from exc

    @classmethod
    def create(cls, path: Path, name: str) -> "ReportsKey":
        """A new P-256 key named ``name``, written to ``path`` (0600, never over an existing
        file) with its public key beside it (``.pub.pem``)."""
        key = cls(name, es256.new_private_key())
        _write_named(path, name, es256.private_key_pem(key.private_key), es256.public_key_pem(key.public_key))
        return key

    def sign(self, message: bytes) -> bytes:
        """The DER ES256 signature of ``message`` (deterministic, RFC 6979)."""
        return es256.sign(message, self.private_key)


def load_reports_public_key_file(path: Path) -> tuple[str, bytes]:
    """(name, DER SubjectPublicKeyInfo) of the reports key's public key file; ValueError
    naming the file otherwise."""
    try:
        name, pem = _read_named(path)
        return name, es256.load_public_key(pem)
    except es256.WrongKeyType as exc:
        raise ValueError(f"{path} holds {exc}: reports are signed with an ECDSA P-256 reports key now") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path} is not a Tiến độ public key file: {exc}") from exc


def public_path(private: Path) -> Path:
    """Where an operator key's public half is written: ``x.key.pem`` → ``x.pub.pem``."""
    return private.with_name(private.name.removesuffix(PRIVATE_SUFFIX) + PUBLIC_SUFFIX)


def load_public_key_file(path: Path) -> tuple[str, bytes]:
    """(name, raw public key) of an operator's public key file; ValueError otherwise."""
    try:
        name, pem = _read_named(path)
        return name, load_public_key(pem)
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path} is not a Tiến độ public key file: {exc}") from exc


def _write_named(path: Path, name: str, private_pem: bytes, public_pem: bytes) -> None:
    """An operator's key files: the private key at ``path`` (0600, O_EXCL) and the public
    key beside it, each PEM after a ``name:`` line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"name: {name}\n".encode("utf-8")
    write_private(path, header + private_pem)
    public_path(path).write_bytes(header + public_pem)


def _read_named(path: Path) -> tuple[str, bytes]:
    """(name, PEM bytes) of an operator's key file; KeyError without a ``name:`` line."""
    pem = path.read_bytes()
    return _headers(pem)["name"], pem


def _headers(pem: bytes) -> dict[str, str]:
    """The ``name: value`` lines before a key file's PEM block (RFC 7468 allows text there)."""
    text = pem.decode("utf-8")
    return dict(line.split(": ", 1) for line in text.split("-----BEGIN", 1)[0].splitlines() if ": " in line)
