"""Reports that travel: the Markdown shows its charts in a GitHub-flavoured renderer (SVG
files beside it, no data URIs, which GitHub and GitLab strip), the charts carry their words
as text and are byte-identical from process to process, and the PDF is a tagged PDF/A-3a
that stays so once signed."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from services.report import pades
from services.report.build import write_report
from services.report.render import render_html, render_pdf
from services.report.view import build_view, chart_format, with_charts

SVG = "{http://www.w3.org/2000/svg}"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def q2(reports):
    return reports("2025-Q2")


@pytest.fixture(scope="module")
def markdown(q2, reports_key, tmp_path_factory):
    """The Vietnamese Q2 report as Markdown, written with its charts as `report build` does."""
    return write_report(q2, "vi", ["md"], tmp_path_factory.mktemp("reports"), reports_key)["md"]


def test_a_github_flavoured_renderer_shows_the_markdowns_charts(markdown):
    text = markdown.path.read_text(encoding="utf-8")
    assert "data:" not in text, "GitHub and GitLab strip data: images"
    # GitHub's Markdown is GFM (tables, strikethrough, autolinks); markdown-it-py's
    # "gfm-like" preset renders the same constructs. Autolinking needs linkify-it-py and
    # plays no part in images.
    html = MarkdownIt("gfm-like", {"linkify": False}).render(text)
    sources = re.findall(r'<img src="([^"]*)" alt="([^"]*)"', html)
    assert [alt for _, alt in sources] == ["Mức đạt so với mục tiêu của từng chỉ tiêu",
                                           "Số tỉnh, thành phố theo đánh giá, từng chỉ tiêu",
                                           "Diễn biến mức đạt so với mục tiêu (cuối mỗi tháng)"]
    for src, alt in sources:
        assert not re.match(r"[a-z]+:|/", src), f"{src}: a relative path resolves in a repository and on disk"
        chart = markdown.path.parent / src
        assert chart.is_file() and chart.suffix == ".svg", src
        svg = ET.parse(chart).getroot()
        words = "".join(t.text or "" for t in svg.iter(f"{SVG}text"))
        assert svg.tag == f"{SVG}svg" and words, f"{src} draws no text"
    # Vietnamese words as text, not glyph outlines: searchable, read aloud, shown by any viewer.
    trend = ET.parse(markdown.path.parent / sources[2][0]).getroot()
    assert any("Số hóa" in (t.text or "") for t in trend.iter(f"{SVG}text"))
    # Glyph outlines were <path id="DejaVuSans-…"> definitions the text <use>d.
    assert "DejaVuSans-" not in (markdown.path.parent / sources[2][0]).read_text(encoding="utf-8")
    # The tables are GFM tables, each after its caption.
    assert html.count("<table>") == len(re.findall(r"^\*Bảng \d+\. ", text, re.M)) + 1  # + the document header


def test_the_markdown_lists_and_the_record_holds_each_charts_sha256(markdown):
    text = markdown.path.read_text(encoding="utf-8")
    for chart in markdown.charts:
        relative = f"{chart.path.parent.name}/{chart.path.name}"
        assert chart.sha256 == hashlib.sha256(chart.path.read_bytes()).hexdigest()
        assert f"{chart.sha256}  {relative}\n" in text
    # The list is what `sha256sum --check` reads, from the Markdown's folder.
    listed = re.search(r"<!-- tiendo-report-charts\n(.*?)-->", text, re.S).group(1)
    check = subprocess.run(["sha256sum", "--check", "--strict"], input=listed, text=True, capture_output=True,
                           cwd=markdown.path.parent)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_charts_declare_a_font_stack_and_meet_a_size(markdown):
    for chart in markdown.charts:
        svg = chart.path.read_text(encoding="utf-8")
        styles = set(re.findall(r"font-family: ([^;\"]+)", svg))
        assert styles == {"'DejaVu Sans', 'Noto Sans', 'Segoe UI', 'Arial', sans-serif"}, styles
        # Glyph outlines made them 200–260 KB each; text, a fraction of that.
        assert len(svg.encode("utf-8")) < 120_000, chart.path.name


_DRAW = """
import hashlib, sys
from pathlib import Path
from services.report.build import ReportBuilder
from services.report.period import Period
from services.report.view import build_view
from tests.unit.report.conftest import CUTOFF
from tests.unit.report.ledger import LedgerFile
ledger = LedgerFile(Path(sys.argv[1]))
builder = ReportBuilder(ledger.engine)
report = builder.report(Period.parse("2025-Q2"), builder.cutoff_at(CUTOFF))
for chart in build_view(report, "vi").charts:
    print(hashlib.sha256(chart.data).hexdigest())
"""


def test_the_svg_charts_are_byte_identical_across_processes(q2, markdown, known):
    """Two processes with different hash seeds draw the same bytes as this one."""
    expected = [c.sha256 for c in markdown.charts]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", _DRAW, known.engine.url.database], capture_output=True, text=True,
                             env=env, cwd=ROOT, check=True).stdout
        assert out.split() == expected


def _struct_elements(node, seen=None):
    """Every structure element under ``node`` (a /StructTreeRoot or /StructElem)."""
    seen = set() if seen is None else seen
    kids = node.get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, list) else [kids]:
        obj = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(obj, dict) and obj.get("/S") is not None and id(obj) not in seen:
            seen.add(id(obj))
            yield obj
            yield from _struct_elements(obj, seen)


def test_the_pdf_is_tagged_pdf_a_and_stays_so_once_signed(q2, reports_key):
    view = with_charts(build_view(q2, "vi", draw_charts=False), q2, chart_format("pdf"))
    unsigned = render_pdf(view, q2)
    signed = pades.sign_pdf(unsigned, reports_key, reason="test")
    for data in (unsigned, signed):
        reader = PdfReader(io.BytesIO(data))
        catalog = reader.trailer["/Root"]
        assert catalog["/MarkInfo"]["/Marked"].value is True
        assert catalog["/Lang"] == "vi" and catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
        xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
        assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)A', xmp), xmp
        # The figures block is attached as PDF/A-3 asks: an associated file of the document.
        # (WeasyPrint 70 lists the same file specification twice.)
        assert {(f.idnum, f.get_object()["/AFRelationship"]) for f in catalog["/AF"]} == \
            {(catalog["/AF"][0].idnum, "/Data")}
    elements = list(_struct_elements(PdfReader(io.BytesIO(unsigned)).trailer["/Root"]["/StructTreeRoot"]))
    kinds = {e["/S"] for e in elements}
    assert {"/H1", "/H2", "/P", "/Table", "/TH", "/TD", "/Caption", "/Figure"} <= kinds, kinds
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert [f.get("/Alt") for f in figures] == [c.caption for c in view.charts]
    # Every table's caption is tagged inside it (a table split over pages is one Table
    # element per page, the caption in the first); each chart's caption is a Caption too.
    captions = [e["/P"].get_object()["/S"] for e in elements if e["/S"] == "/Caption"]
    assert captions.count("/Table") == render_html(view, print_css=True).count("<caption>")
    assert len(captions) - captions.count("/Table") == len(view.charts)
