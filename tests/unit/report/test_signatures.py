"""A report's signatures by the reports key: the detached .sig of Markdown and HTML, and
the PDF's PAdES signature with the key's self-signed certificate."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from pypdf import PdfWriter
from pypdf.annotations import FreeText

from shared.domain.signing import signature_matches
from shared.domain.tree_head import key_id_of
from shared.keyfiles import REPORTS_KEY_NAME, OperatorKey

from services.report import detached, pades


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> OperatorKey:
    return OperatorKey.load_or_create(tmp_path_factory.mktemp("keys") / "reports.key.pem", REPORTS_KEY_NAME)


@pytest.fixture(scope="module")
def other(tmp_path_factory) -> OperatorKey:
    return OperatorKey.load_or_create(tmp_path_factory.mktemp("other") / "reports.key.pem", REPORTS_KEY_NAME)


REPORT = "# Báo cáo tiến độ chuyển đổi số — Quý II/2025\n".encode("utf-8")


def test_a_detached_signature_signs_the_domain_and_the_files_sha256(key):
    sig = json.loads(detached.signature_bytes(REPORT, key))
    digest = hashlib.sha256(REPORT).hexdigest()
    assert sig == {"kind": "tiendo.report-signature.v1", "alg": "Ed25519", "sha256": digest,
                   "key_id": key_id_of(REPORTS_KEY_NAME, key.public_key), "signature": sig["signature"]}
    assert signature_matches(b"tiendo.report.v1\n" + digest.encode(), key.public_key, sig["signature"])
    assert not signature_matches(digest.encode(), key.public_key, sig["signature"]), "domain-separated"
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
    forged["signature"] = "00" * 64
    assert detached.signature_problem(REPORT, json.dumps(forged).encode(), name, pub) == \
        "the signature does not verify with the reports key"
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
    assert problems == [f"the PDF was signed by {key_id_of(REPORTS_KEY_NAME, other.public_key)}, not by the "
                        f"reports key {key_id_of(REPORTS_KEY_NAME, key.public_key)}"]
