"""Renderers: Markdown and HTML from Jinja2 templates, PDF (tagged PDF/A-3a) from the
HTML with WeasyPrint.

HTML is autoescaped, so text an agency sent (a reporter named ``<script>``) shows as
text; Markdown escapes the same text with :func:`md_escape`. The PDF embeds the DejaVu
Sans font files matplotlib ships (every Vietnamese letter, and the same glyphs on every
machine) and the figures block as an attached file."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
from jinja2 import Environment, PackageLoader, StrictUndefined

from services.report.figures import PDF_ATTACHMENT
from services.report.model import Report
from services.report.view import View

FORMATS = ("md", "html", "pdf")
FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
SCREEN_FONTS = '"DejaVu Sans", "Noto Sans", "Segoe UI", Arial, sans-serif'
PRINT_FONTS = '"Tiendo Sans"'
_FACES = (
    ("Tiendo Sans", "DejaVuSans.ttf", "normal", "normal"),
    ("Tiendo Sans", "DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVu Sans Mono", "DejaVuSansMono.ttf", "normal", "normal"),
)
# PDF/A-3, level A: archival and tagged (WeasyPrint writes the structure tree). Not also
# PDF/UA-1: WeasyPrint writes one standard's identification in the XMP metadata, and the
# signature's revision (pyHanko) keeps only what that holds.
PDF_VARIANT = "pdf/a-3a"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_NUMBERED = re.compile(r"^(?:\d+|[IVX]+)\.\s+")


def md_escape(text: object) -> str:
    """Text safe in a Markdown paragraph or table cell: Markdown punctuation
    backslash-escaped, ``<``, ``>`` and ``&`` as entities (no raw HTML gets through),
    line breaks folded into spaces (a table row is one line)."""
    s = " ".join(str(text).split())
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


def unnumbered(heading: str) -> str:
    """A heading without its number, for a table's caption: "2. Khối địa phương" →
    "Khối địa phương"."""
    return _NUMBERED.sub("", heading)


def _environment(autoescape: bool) -> Environment:
    env = Environment(loader=PackageLoader("services.report", "templates"), autoescape=autoescape,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=StrictUndefined)
    env.filters["md"] = md_escape
    env.filters["unnumbered"] = unnumbered
    return env


_MARKDOWN = _environment(autoescape=False)
_HTML = _environment(autoescape=True)


def render_markdown(view: View) -> str:
    """The report as Markdown, its charts linked as files in ``view.chart_dir`` beside it
    (services.report.chartfiles): GitHub and GitLab strip images in data URIs."""
    return _MARKDOWN.get_template("report.md.j2").render(v=view, t=view.t)


def render_html(view: View, *, print_css: bool = False) -> str:
    """The report as one self-contained HTML file; with ``print_css`` the A4 page rules
    and embedded fonts the PDF is laid out with."""
    font_css = _font_css() if print_css else ""
    return _HTML.get_template("report.html.j2").render(
        v=view, t=view.t, print=print_css, font_css=font_css, font_family=PRINT_FONTS if print_css else SCREEN_FONTS)


def render_pdf(view: View, report: Report) -> bytes:
    """The report as PDF (A4), with the figures block attached as a JSON file.

    A tagged PDF/A-3a (:data:`PDF_VARIANT`: archival, level A "accessible"; PDF/A-3
    lets it carry the JSON attachment): a structure tree of headings, paragraphs, tables
    with their header cells (scoped) and captions, figures with their alternative text,
    the document's language and its title shown as the window's.

    Byte-identical for the same report: the only clock the font subsetter may read is
    SOURCE_DATE_EPOCH (set here to the cut-off), the attachment is dated at the cut-off
    too, and the document's ID is a hash of its content."""
    # Imported here: WeasyPrint loads Pango and fonts (~2 s), which every other `tiendo`
    # command would otherwise pay at start-up.
    from weasyprint import HTML, Attachment

    at = report.cutoff.at
    attachment = Attachment(string=view.figures_json, name=PDF_ATTACHMENT, created=at, modified=at,
                            description="Tiến độ report figures", relationship="Data")
    with _source_date_epoch(int(at.timestamp())):
        return HTML(string=render_html(view, print_css=True)).write_pdf(attachments=[attachment],
                                                                         pdf_variant=PDF_VARIANT)


def _font_css() -> str:
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; src: url("{(FONT_DIR / file).as_uri()}"); '
        f"font-weight: {weight}; font-style: {style}; }}"
        for family, file, weight, style in _FACES
    )


@contextmanager
def _source_date_epoch(seconds: int) -> Iterator[None]:
    # fontTools (WeasyPrint's font subsetter where HarfBuzz's is not installed) stamps each
    # subset font with the current time unless SOURCE_DATE_EPOCH is set (the
    # reproducible-builds convention); restore whatever was there before.
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(seconds)
    try:
        yield
    finally:
        if before is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before
