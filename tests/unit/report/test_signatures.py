"""A report's signatures by the reports key (ECDSA P-256): its key file, the detached .sig
of Markdown and HTML, and the PDF's PAdES signature with the key's self-signed certificate."""

from __future__ import annotations

import hashlib
import io
import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pypdf import PdfWriter
from pypdf.annotations import FreeText

from shared.keyfiles import REPORTS_KEY_NAME, OperatorKey, ReportsKey, load_reports_public_key_file, public_path

from services.report import detached, pades


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> ReportsKey:
    return ReportsKey.load_or_create(tmp_path_factory.mktemp("keys") / "reports.key.pem", REPORTS_KEY_NAME)


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> ReportsKey:
    return ReportsKey.load_or_create(tmp_path_factory.mktemp("other") / "reports.key.pem", REPORTS_KEY_NAME)


REPORT = "# Báo cáo tiến độ chuyển đổi số — Quý II/2025\n".encode("utf-8")


def _verifies(message: bytes, key: ReportsKey, signature_hex: str) -> bool:
    """Checked with cryptography directly: a DER ECDSA signature over SHA-256 by the key."""
    try:
        key.private_key.public_key().verify(bytes.fromhex(signature_hex), message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_the_reports_key_file_is_p256_pkcs8_named_and_owner_only(tmp_path):
    path = tmp_path / "keys" / "reports.key.pem"
    key = ReportsKey.load_or_create(path, REPORTS_KEY_NAME)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert text.startswith("name: tiendo.reports\n-----BEGIN PRIVATE KEY-----\n")
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name == "secp256r1"
    assert ReportsKey.load_or_create(path, REPORTS_KEY_NAME).public_key == key.public_key, "loaded, not replaced"
    with pytest.raises(FileExistsError):
        ReportsKey.create(path, REPORTS_KEY_NAME)
    assert load_reports_public_key_file(public_path(path)) == (REPORTS_KEY_NAME, key.public_key)
    assert public_path(path).read_text().startswith("name: tiendo.reports\n-----BEGIN PUBLIC KEY-----\n")
    der = serialization.load_pem_public_key(public_path(path).read_bytes()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key.public_key == der and key.key_id == f"tiendo.reports+{hashlib.sha256(der).hexdigest()[:8]}"


def test_an_ed25519_reports_key_file_is_refused_saying_what_to_do(tmp_path):
    path = tmp_path / "keys" / "reports.key.pem"
    OperatorKey.create(path, REPORTS_KEY_NAME)  # how reports keys were made before they were P-256
    with pytest.raises(ValueError) as refused:
        ReportsKey.load_or_create(path, REPORTS_KEY_NAME)
    message = str(refused.value)
    assert message.startswith(f"{path} holds a private key of type Ed25519, not ECDSA P-256: ")
    assert f"Move {path} and reports.pub.pem away" in message and "a new P-256 reports key is created" in message
    assert refused.value.__cause__ is None and refused.value.__suppress_context__, "one line, not a chain"
    with pytest.raises(ValueError, match=r"reports\.pub\.pem holds a public key of type Ed25519, not ECDSA P-256"):
        load_reports_public_key_file(public_path(path))
    path.unlink()
    assert ReportsKey.load_or_create(path, REPORTS_KEY_NAME).private_key.curve.name == "secp256r1"
    with pytest.raises(ValueError, match="is not a Tiến độ operator key file"):
        OperatorKey.load(path)  # the ledger key stays Ed25519


def test_a_detached_signature_signs_the_domain_and_the_files_sha256(key):
    sig = json.loads(detached.signature_bytes(REPORT, key))
    digest = hashlib.sha256(REPORT).hexdigest()
    assert sig == {"kind": "tiendo.report-signature.v1", "alg": "ES256", "sha256": digest,
                   "key_id": key.key_id, "signature": sig["signature"]}
    assert _verifies(b"tiendo.report.v1\n" + digest.encode(), key, sig["signature"]), "DER ECDSA P-256 SHA-256"
    assert not _verifies(digest.encode(), key, sig["signature"]), "domain-separated"
    assert detached.signature_bytes(REPORT, key) == detached.signature_bytes(REPORT, key), "deterministic (RFC 6979)"
    assert detached.signature_problem(REPORT, detached.signature_bytes(REPORT, key), REPORTS_KEY_NAME,
                                      key.public_key) is None
    assert detached.signature_path(Path("reports/tiendo-2025-Q2-vi.md")) == Path("reports/tiendo-2025-Q2-vi.md.sig")


def test_a_detached_signature_names_what_is_wrong(key, other):
    good = detached.signature_bytes(REPORT, key)
    name, pub = REPORTS_KEY_NAME, key.public_key
    assert "changed after it was signed" in detached.signature_problem(REPORT + b"x", good, name, pub)
    assert "not by the reports key" in detached.signature_problem(REPORT, detached.signature_bytes(REPORT, other),
                                                                  name, pub)
    forged = json.loads(good)
    forged["signature"] = json.loads(detached.signature_bytes(REPORT + b"x", key))["signature"]
    assert detached.signature_problem(REPORT, json.dumps(forged).encode(), name, pub) == \
        "the signature does not verify with the reports key"
    forged["signature"] = "00" * 64
    assert detached.signature_problem(REPORT, json.dumps(forged).encode(), name, pub) == \
        "the signature does not verify with the reports key"
    forged["signature"] = "zz"
    assert detached.signature_problem(REPORT, json.dumps(forged).encode(), name, pub) == "the signature is not hex"
    assert "not a report signature" in detached.signature_problem(REPORT, b"{}", name, pub)
    assert "not a report signature" in detached.signature_problem(REPORT, b"not json", name, pub)


def test_the_certificate_is_the_keys_own_and_the_same_every_time(key, other):
    der = pades.certificate(key)
    assert der == pades.certificate(key) and der != pades.certificate(other)
    cert = x509.load_der_x509_certificate(der)
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Tiến độ — báo cáo"
    assert cert.not_valid_after_utc == datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.content_commitment
    assert cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo) == key.public_key
    assert cert.signature_hash_algorithm.name == "sha256"
    cert.verify_directly_issued_by(cert)


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_signed_pdf_starts_with_the_unsigned_one_and_verifies(key):
    unsigned = _blank_pdf()
    signed = pades.sign_pdf(unsigned, key, reason="Quý II/2025")
    assert signed.startswith(unsigned)
    assert pades.signature_problems(signed, REPORTS_KEY_NAME, key.public_key) == (pades.VALID, [])
    assert pades.signature_problems(unsigned, REPORTS_KEY_NAME, key.public_key)[0] == pades.ABSENT


def test_a_pdf_annotated_after_signing_or_signed_by_another_key_is_named(key, other):
    signed = pades.sign_pdf(_blank_pdf(), key, reason="test")
    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="đã đạt", rect=(50, 600, 300, 700)))
    out = io.BytesIO()
    writer.write(out)
    state, problems = pades.signature_problems(out.getvalue(), REPORTS_KEY_NAME, key.public_key)
    assert state == pades.INVALID and problems[0].startswith("the PDF was changed after it was signed")

    flipped = bytearray(signed)
    flipped[signed.index(b"/MediaBox") + 12] ^= 1  # a digit of the page size, inside the signed bytes
    state, problems = pades.signature_problems(bytes(flipped), REPORTS_KEY_NAME, key.public_key)
    assert state == pades.INVALID and "signed bytes were changed" in problems[0]

    state, problems = pades.signature_problems(pades.sign_pdf(_blank_pdf(), other, reason="test"),
                                               REPORTS_KEY_NAME, key.public_key)
    assert state == pades.INVALID
    assert problems == [f"the PDF was signed by {other.key_id}, not by the reports key {key.key_id}"]
