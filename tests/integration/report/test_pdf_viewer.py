"""A signed PDF report as a PDF viewer sees it: poppler's `pdfsig` (the signature code
Okular shows), not Tiến độ's own check, finds the reports key's signature valid over the
whole document, and no longer over the whole document once an annotation is added."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.annotations import FreeText

from services.report.build import write_report
from services.report.period import Period
from tests.unit.report.conftest import CUTOFF


@pytest.fixture(scope="module")
def signed_pdf(builder, reports_key, tmp_path_factory) -> Path:
    """The June report of the known ledger, built and signed as `report build` does."""
    report = builder.report(Period.parse("2025-06"), builder.cutoff_at(CUTOFF))
    return write_report(report, "vi", ["pdf"], tmp_path_factory.mktemp("reports"), reports_key)["pdf"].path


def pdfsig(path: Path) -> list[str]:
    """pdfsig's lines about the file's signatures, without their leading "  - "."""
    tool = shutil.which("pdfsig")
    assert tool, "pdfsig is needed (Debian poppler-utils; `make deps` installs it)"
    done = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return [line.strip().removeprefix("- ") for line in done.stdout.splitlines()]


def test_pdfsig_finds_the_report_validly_signed_over_the_whole_document(signed_pdf):
    lines = pdfsig(signed_pdf)
    assert lines.count("Signature #1:") == 1 and "Signature #2:" not in lines, lines
    assert "Signature Validation: Signature is Valid." in lines, lines
    assert "Total document signed" in lines, lines
    assert "Signer Certificate Common Name: Tiến độ — báo cáo" in lines, lines
    assert "Signing Hash Algorithm: SHA-256" in lines, lines
    assert "Signature Type: ETSI.CAdES.detached" in lines, lines


def test_pdfsig_no_longer_finds_the_whole_document_signed_after_an_annotation(signed_pdf, tmp_path):
    writer = PdfWriter(io.BytesIO(signed_pdf.read_bytes()), incremental=True)
    writer.add_annotation(page_number=0, annotation=FreeText(text="Tất cả chỉ tiêu đã đạt",
                                                             rect=(50, 600, 500, 700)))
    annotated = tmp_path / signed_pdf.name
    with annotated.open("wb") as out:
        writer.write(out)
    assert annotated.read_bytes().startswith(signed_pdf.read_bytes()), "an incremental update"
    lines = pdfsig(annotated)
    assert "Total document signed" not in lines, lines
    assert "Not total document signed" in lines, lines


def test_pdfsig_finds_a_changed_signed_byte(signed_pdf, tmp_path):
    data = bytearray(signed_pdf.read_bytes())
    data[data.index(b"/MediaBox") + 12] ^= 1  # in the page's MediaBox, inside the signed bytes
    changed = tmp_path / signed_pdf.name
    changed.write_bytes(bytes(data))
    lines = pdfsig(changed)
    assert "Signature Validation: Signature is Valid." not in lines, lines
    assert "Signature Validation: Digest Mismatch." in lines, lines
