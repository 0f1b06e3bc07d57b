"""The rendered documents: agency text escaped, Vietnamese in the PDF, byte-identical
rebuilds, and both languages."""

from __future__ import annotations

import re
import shutil
import subprocess
import time as time_module

import pytest

from services.report import pades
from services.report.build import render
from services.report.figures import read_block
from services.report.period import Period
from services.report.render import md_escape
from services.report.verify import verify_file
from services.report.view import build_view
from tests.unit.report import dataset
from tests.unit.report.conftest import CUTOFF, public_keys

SCRIPT = dataset.HTML_REPORTER[0]


@pytest.fixture(scope="module")
def q2(reports):
    return reports("2025-Q2")


@pytest.fixture(scope="module")
def documents(q2):
    """The Vietnamese Q2 report in every format, rendered once for the module."""
    view = build_view(q2, "vi")
    return {fmt: render(view, q2, fmt) for fmt in ("md", "html", "pdf")}


def _without_figures(text: str) -> str:
    return re.sub(r'<script type="application/json".*?</script>|<!-- tiendo-report-figures.*?-->', "", text, flags=re.S)


def test_a_reporter_named_script_shows_as_text_in_html(documents):
    html = documents["html"].decode("utf-8")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Chuyên viên &lt;b&gt;CNTT&lt;/b&gt; &amp; &#34;quản trị&#34; | hệ thống" in html
    body = _without_figures(html)
    assert "<script>" not in body and "<b>CNTT" not in body
    # The figures block carries the name too, with < > & as JSON escapes.
    block = re.search(r'id="tiendo-report-figures">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and "\\u003cscript\\u003e" in block


def test_a_reporter_named_script_shows_as_text_in_markdown(documents):
    md = documents["md"].decode("utf-8")
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in md
    assert "<script>" not in _without_figures(md)
    assert "\\| hệ thống" in md, "a pipe in agency text must not split the table cell"


def test_markdown_escaping_neutralises_markup_and_keeps_one_line():
    assert md_escape("a|b *c* _d_ [e](f) `g` <h> & #i\nj") == \
        "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\`g\\` &lt;h&gt; &amp; \\#i j"


def test_vietnamese_words_survive_in_the_pdf_text(documents, tmp_path):
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext, pdftoppm) is needed: apt-get install poppler-utils"
    pdf = tmp_path / "q2.pdf"
    pdf.write_bytes(documents["pdf"])
    # In reading order (not -layout, which interleaves a table's columns line by line).
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for words in ("BÁO CÁO", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "quý II/2025", "Số hóa dữ liệu hộ tịch",
                  "Thành phố Huế", "NHIỆM VỤ QUÁ HẠN, CÓ NGUY CƠ CHẬM TIẾN ĐỘ", "Đề nghị các cơ quan dưới đây",
                  "Tỉnh Đắk Lắk", "Bộ Công an", "CHẤP HÀNH CHẾ ĐỘ BÁO CÁO", "ĐÍNH CHÍNH SỐ LIỆU TRONG KỲ",
                  "Nơi nhận:", SCRIPT):
        # Narrow columns wrap a cell over lines: compare without the white space.
        assert "".join(words.split()) in "".join(text.split()), f"{words!r} is missing from the PDF text"


def test_the_pdf_embeds_its_fonts_and_renders_to_png(documents, tmp_path):
    pdf = tmp_path / "q2.pdf"
    pdf.write_bytes(documents["pdf"])
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("yes" == row[-5] for row in rows), f"every font must be embedded:\n{fonts}"
    assert any("Tiendo" in row[0] for row in rows)
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")],
                   check=True)
    assert sorted(p.name for p in tmp_path.glob("page-*.png")) == ["page-01.png", "page-02.png"]


def test_the_pdf_carries_its_figures_and_a_rebuild_has_the_same_bytes(builder, known, reports_key, documents,
                                                                      tmp_path, monkeypatch):
    pdf = tmp_path / "tiendo-2025-Q2-vi.pdf"
    signed = pades.sign_pdf(documents["pdf"], reports_key, reason="test")
    assert signed.startswith(documents["pdf"]), "signed by an incremental update"
    pdf.write_bytes(signed)
    fmt, block = read_block(pdf)
    assert (fmt, block["lang"], block["report"]["period"]) == ("pdf", "vi", "2025-Q2")
    # Verify rebuilds the PDF from the ledger, hours later by the clock.
    later = time_module.time() + 3 * 3600
    monkeypatch.setattr(time_module, "time", lambda: later)
    verdict = verify_file(builder, pdf, public_keys(known, reports_key))
    assert verdict.matches, verdict.problems
    assert verdict.same_bytes, "the rebuilt PDF must be byte-identical to the signed one's first revision"


def test_a_rebuild_at_the_same_cut_off_is_byte_identical(builder, q2, documents, monkeypatch):
    again = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
    # Hours later by the clock: nothing in the documents may depend on when they were made.
    later = time_module.time() + 3 * 3600
    monkeypatch.setattr(time_module, "time", lambda: later)
    view = build_view(again, "vi")
    for fmt in ("md", "html"):  # the PDF's rebuild is checked through verify, below
        assert render(view, again, fmt) == documents[fmt], f"{fmt} differs on a rebuild"


def test_the_english_report_has_the_same_figures_in_english_words(q2, documents):
    view = build_view(q2, "en")
    md = render(view, q2, "md").decode("utf-8")
    assert "\n# REPORT\n" in md and "Q2 2025" in md
    for words in ("OVERDUE TASKS AND TASKS AT RISK OF DELAY", "Civil-registry records digitised",
                  "Ministry of Public Security", "Hanoi", "31 Mar 2025", "91 days overdue, not completed"):
        assert words in md, f"{words!r} is missing from the English report"
    vi_block = re.search(r"tiendo-report-figures\n(.*)\n-->", documents["md"].decode("utf-8")).group(1)
    en_block = re.search(r"tiendo-report-figures\n(.*)\n-->", md).group(1)
    assert vi_block.replace('"lang":"vi"', '"lang":"en"') == en_block


def test_the_pdf_has_its_charts_as_images_and_markdown_and_html_as_svg(q2, documents, tmp_path):
    # The PDF gets the charts rasterised (what verify compares across WeasyPrint versions),
    # the HTML keeps the vectors inside, the Markdown links to them as files beside it.
    charts = len(build_view(q2, "vi", draw_charts=False).charts)
    html = documents["html"].decode("utf-8")
    assert html.count("data:image/svg+xml;base64,") == charts and "data:image/png" not in html
    md = documents["md"].decode("utf-8")
    assert "data:" not in md
    assert [f"tiendo-2025-Q2-vi.charts/chart-{i}.svg" for i in range(1, charts + 1)] == \
        re.findall(r"!\[[^\]]*\]\(([^)]*)\)", md)
    pdf = tmp_path / "q2.pdf"
    pdf.write_bytes(documents["pdf"])
    listed = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    images = [row.split() for row in listed.splitlines()[2:] if row.split()[2:3] == ["image"]]
    assert len(images) == charts
    assert all(int(row[3]) >= 1000 for row in images), "charts at print resolution (200 dpi)"
