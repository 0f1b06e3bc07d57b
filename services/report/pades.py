"""The PDF report's signature: PAdES (ETSI EN 319 142, baseline B-B) with the reports key,
made and checked with pyHanko.

The reports key is an ECDSA P-256 key (shared/keyfiles.ReportsKey) signing with SHA-256,
which PDF viewers check (Ed25519 would be ISO/TS 32002, which poppler 22.12 with NSS 3.87,
for one, lists but cannot check). A PDF signature needs a certificate, so the key
certifies itself: a self-signed X.509 certificate whose fields are all fixed (subject
"Tiến độ — báo cáo", a serial number derived from the public key, validity from 2025 with
no expiry) and whose signature is deterministic (RFC 6979), hence the same certificate for
the same key on every machine. A PDF viewer shows the report as signed by it (and as
trusted once a reader trusts that certificate, or compares its key with the published
reports.pub.pem).

The signature is a certification signature that allows no change (DocMDP level 1) and is
appended as an incremental update: the signed file is the unsigned report's bytes followed
by a revision holding the signature. Any later change, an annotation added as a further
incremental update included, leaves the signature covering less than the whole file; a
rewritten file breaks it outright.

pyHanko is imported inside the functions: only building and verifying a PDF need it."""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import datetime, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.x509.oid import NameOID

from shared.domain.es256 import key_id_for
from shared.keyfiles import ReportsKey

FIELD_NAME = "TiendoReport"
SUBJECT = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tiến độ"),
    x509.NameAttribute(NameOID.COMMON_NAME, "Tiến độ — báo cáo"),
])
NOT_BEFORE = datetime(2025, 1, 1, tzinfo=timezone.utc)
# RFC 5280 §4.1.2.5: "no well-defined expiration date".
NOT_AFTER = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)

# pyHanko logs the diff analysis of a changed file (a traceback) at ERROR; verify names
# the change itself, in one line.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)


def certificate(key: ReportsKey) -> bytes:
    """The reports key's self-signed certificate (DER), the same for the same key:
    every field is fixed and its ECDSA signature is deterministic (RFC 6979)."""
    public = key.private_key.public_key()
    serial = int.from_bytes(hashlib.sha256(b"tiendo.report-certificate\n" + key.public_key).digest()[:16], "big") >> 1
    cert = (x509.CertificateBuilder()
            .subject_name(SUBJECT).issuer_name(SUBJECT).public_key(public).serial_number(serial)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key.private_key, hashes.SHA256(), ecdsa_deterministic=True))
    return cert.public_bytes(serialization.Encoding.DER)


def sign_pdf(data: bytes, key: ReportsKey, reason: str) -> bytes:
    """``data`` (an unsigned report PDF) with a PAdES certification signature by ``key``
    appended as an incremental update: the result starts with ``data``."""
    from asn1crypto import keys as asn1_keys, x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = asn1_x509.Certificate.load(certificate(key))
    private = asn1_keys.PrivateKeyInfo.load(key.private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=private,
                                  cert_registry=SimpleCertificateStore.from_certs([cert]))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256", reason=reason,
        name="Tiến độ — báo cáo", certify=True, docmdp_permissions=MDPPerm.NO_CHANGES)
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(data)), meta, signer=signer, output=out)
    return out.getvalue()


ABSENT, INVALID, VALID = "absent", "invalid", "valid"


def signature_problems(data: bytes, name: str, public_key: bytes) -> tuple[str, list[str]]:
    """Whether the PDF ``data`` is a report signed by the reports key (``name``,
    ``public_key``) and unchanged since: (absent, invalid or valid; why not, one line a
    problem)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        return INVALID, [f"the PDF's signature cannot be read ({exc})"]
    if not signatures:
        return ABSENT, ["the PDF carries no signature: it was rewritten after it was signed, or never signed by "
                        "`tiendo report build`"]
    problems = []
    if len(signatures) > 1:
        problems.append(f"the PDF carries {len(signatures)} signatures where a report has one")
    sig = signatures[0]
    expected = key_id_for(name, public_key)
    signer_key = _p256_key(sig.signer_cert.dump())
    if signer_key != public_key:
        by = key_id_for(name, signer_key) if signer_key else "a key that is not ECDSA P-256"
        return INVALID, problems + [f"the PDF was signed by {by}, not by the reports key {expected}"]
    try:
        # The certificate is the reports key's own: trusted because its key is the one given.
        # No difference analysis: the signature allows no change at all, so any revision
        # after it is a change (coverage short of the entire file), whatever it holds; and
        # pyHanko's analysis walks a tagged PDF's whole structure tree for every object,
        # minutes for a year-end report.
        status = validate_pdf_signature(sig, ValidationContext(trust_roots=[sig.signer_cert], allow_fetching=False),
                                        skip_diff=True)
    except (PdfError, ValueError, KeyError) as exc:
        return INVALID, problems + [f"the PDF's signature cannot be checked ({exc})"]
    if not status.intact:
        problems.append("the PDF's signed bytes were changed: its signature no longer matches them")
    elif not status.valid:
        problems.append("the PDF's signature does not verify with the reports key")
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        problems.append("the PDF was changed after it was signed: a revision was added after the signature "
                        "(an annotation, a form field or an edit), which the signature, allowing no change, "
                        "does not cover")
    return (INVALID if problems else VALID), problems


def _p256_key(cert_der: bytes) -> bytes | None:
    """The DER SubjectPublicKeyInfo of a DER certificate's key when it is a P-256 key."""
    key = x509.load_der_x509_certificate(cert_der).public_key()
    if not isinstance(key, EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return None
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
