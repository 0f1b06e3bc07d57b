"""The report reads for everyone: every text colour has a WCAG AA contrast (4.5:1) against
every background it may sit on, every data table has a caption and scoped header cells
(HTML, and so the tagged PDF), and every Markdown table a caption line above it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import tinycss2

from services.report import charts
from services.report.render import render_html, render_markdown
from services.report.view import build_view

AA = 4.5
_HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")


def luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour ``#rrggbb`` or ``#rgb``."""
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    channels = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio, from 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_ratio_is_wcags():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the grey that just fails AA
    assert contrast("#b7791f", "#ffffff") == pytest.approx(3.64, abs=0.01)  # the amber reports once used


def _declarations(css: str):
    """(property, value) of every declaration in a stylesheet, at-rules' (@page and its
    margin boxes) included."""
    def walk(rules):
        for rule in rules:
            if rule.type not in ("qualified-rule", "at-rule") or rule.content is None:
                continue
            content = tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
            for item in content:
                if item.type == "declaration":
                    yield item.lower_name, tinycss2.serialize(item.value).strip()
            yield from walk(item for item in content if item.type in ("qualified-rule", "at-rule"))
    yield from walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def _colours(html: str) -> tuple[set[str], set[str]]:
    """(text colours, background colours) of a report's stylesheet, custom properties
    (``var(--overdue)``) resolved; white, the page's own background, among the backgrounds."""
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    declared = list(_declarations(css))
    variables = {name: value for name, value in declared if name.startswith("--")}

    def resolve(value: str) -> str:
        return re.sub(r"var\((--[\w-]+)\)", lambda m: variables[m.group(1)], value)

    texts = {c.lower() for name, value in declared if name == "color" for c in _HEX.findall(resolve(value))}
    backgrounds = {c.lower() for name, value in declared if name in ("background", "background-color")
                   for c in _HEX.findall(resolve(value))} | {"#ffffff"}
    return texts, backgrounds


@pytest.mark.parametrize("print_css", [False, True], ids=["screen", "print"])
def test_every_text_colour_has_aa_contrast_on_every_background(reports, print_css):
    html = render_html(build_view(reports("2025-Q2"), "vi", draw_charts=False), print_css=print_css)
    texts, backgrounds = _colours(html)
    # The status colours and the page's greys are all there to check.
    assert {"#c62828", "#1a1a1a"} <= texts and {"#f1ece4", "#faf8f5"} <= backgrounds
    failing = [(t, b, round(contrast(t, b), 2)) for t in sorted(texts) for b in sorted(backgrounds)
               if contrast(t, b) < AA]
    assert not failing, f"text colours below {AA}:1 against a background: {failing}"


def test_the_charts_text_has_aa_contrast():
    for status, bar in charts.STATUS_COLOURS.items():
        label = charts.LABEL_COLOURS[status]
        assert contrast(label, bar) >= AA, f"the counts on the {status} bars: {label} on {bar}"
    for colour in (charts.TEXT_COLOUR, charts.MUTED_COLOUR):
        assert contrast(colour, "#ffffff") >= AA


class _Tables(HTMLParser):
    """Each table's caption and its header cells' scopes."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "scopes": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "th":
            self.tables[-1]["scopes"].append(dict(attrs).get("scope"))

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_html_table_has_a_caption_and_scoped_headers(reports, lang):
    parser = _Tables()
    parser.feed(render_html(build_view(reports("2025"), lang, draw_charts=False)))
    assert len(parser.tables) >= 8
    for table in parser.tables:
        assert table["caption"].strip(), "a table without a caption"
        assert table["scopes"] and set(table["scopes"]) <= {"col", "row"}, table
    numbered = [t["caption"] for t in parser.tables if re.match(r"(Bảng|Table) \d+\. ", t["caption"])]
    # The boards are split in two columns in HTML, one table in Markdown: the same number.
    assert numbered[0].startswith("Bảng 1. Kết quả thực hiện các chỉ tiêu: Khối bộ, ngành" if lang == "vi"
                                  else "Table 1. Results by target: Ministries")
    assert any(c.endswith("(2/2)") for c in numbered)


def test_every_markdown_table_has_its_caption_line_above(reports):
    html = render_html(build_view(reports("2025"), "vi", draw_charts=False))
    md = render_markdown(build_view(reports("2025"), "vi", draw_charts=False))
    lines = md.splitlines()
    # A table starts at a row followed by its delimiter row: two lines up is its caption.
    starts = [i for i in range(1, len(lines)) if re.fullmatch(r"\|(:?-+:?\|)+", lines[i])]
    captions = [lines[i - 3] for i in starts[1:]]  # the first is the document header's layout table
    assert captions and all(re.fullmatch(r"\*Bảng \d+\. .+\*", c) for c in captions), captions
    # The same numbering as the HTML's: one number per table, in order.
    assert [int(re.match(r"\*Bảng (\d+)", c).group(1)) for c in captions] == list(range(1, len(captions) + 1))
    assert f"Bảng {len(captions)}. " in html and f"Bảng {len(captions) + 1}. " not in html
