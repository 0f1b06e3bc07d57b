"""`report verify`: does a report file say what the ledger says?

Four checks, in order: the ledger still reaches the report's cut-off; its hash chains are
intact up to there; every figure of the report equals the one recomputed from the ledger
(the scorer's fold, as of the cut-off); and the document's text equals the text the
ledger's report renders to, so an edit anywhere in the visible document is caught too.
Charts are left out of the text comparison: they are drawn from figures already compared,
and their bytes may change with the charting library."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from shared.domain.chain import first_break

from services.report.build import ReportBuilder, render
from services.report.figures import block, differences, read_block
from services.report.period import Period
from services.report.view import build_view, chart_format

MAX_DIFFERENCES = 20
_CHART_DATA = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]*")


@dataclass
class Verdict:
    """The outcome of verifying one report file."""

    path: Path
    format: str
    period: str
    lang: str
    cutoff_seq: int
    head_hash: str
    problems: list[str] = field(default_factory=list)
    # A PDF whose bytes equal a rebuild's (Markdown and HTML are compared as text, charts
    # aside; a PDF's text is compared when its bytes differ).
    same_bytes: bool = False

    @property
    def matches(self) -> bool:
        return not self.problems


def verify_file(builder: ReportBuilder, path: Path) -> Verdict:
    """Check ``path`` (Markdown, HTML or PDF) against the ledger it was built from.
    Raises :class:`services.report.figures.NotAReport` for a file that is no report."""
    fmt, data = read_block(path)
    found = data["report"]
    cut = found["cutoff"]
    verdict = Verdict(path, fmt, found["period"], data["lang"], cut["seq"], cut["head_hash"])
    head = builder.ledger.head_seq()
    if cut["seq"] > head:
        verdict.problems.append(f"the report's cut-off (ledger entry {cut['seq']}) is past the ledger's head "
                                f"(entry {head}): entries it counted are gone")
        return verdict
    broken = first_break(row for row in builder.ledger.chain_rows() if row.seq <= cut["seq"])
    if broken is not None:
        verdict.problems.append(f"the ledger was altered below the cut-off: {broken.describe()}")
    cutoff = builder.cutoff(datetime.fromisoformat(cut["at"]), cut["seq"], cut["dead_letter_id"])
    report = builder.report(Period.parse(found["period"]), cutoff)
    expected = block(report, data["lang"])["report"]
    diffs = differences(expected, found)
    verdict.problems += diffs[:MAX_DIFFERENCES]
    if len(diffs) > MAX_DIFFERENCES:
        verdict.problems.append(f"… and {len(diffs) - MAX_DIFFERENCES} more differing figures")
    if diffs:
        return verdict
    # Charts are drawn only where they reach the compared bytes: the PDF's pages.
    rebuilt = render(build_view(report, data["lang"], draw_charts=fmt == "pdf", charts_as=chart_format(fmt)),
                     report, fmt)
    content = path.read_bytes()
    verdict.same_bytes = fmt == "pdf" and rebuilt == content
    text_problem = _text_difference(fmt, rebuilt, content)
    if text_problem:
        verdict.problems.append(text_problem)
    return verdict


def _text_difference(fmt: str, expected: bytes, found: bytes) -> str | None:
    if expected == found:
        return None
    if fmt == "pdf":
        want, got = _pdf_lines(expected), _pdf_lines(found)
    else:
        want = _CHART_DATA.sub("data:…", expected.decode("utf-8")).splitlines()
        got = _CHART_DATA.sub("data:…", found.decode("utf-8", "replace")).splitlines()
    for number, (w, g) in enumerate(zip(want, got), start=1):
        if w != g:
            return (f"the document's text differs from the report the ledger gives, at line {number}: "
                    f"it reads {_around(g, w)!r} where the ledger's report reads {_around(w, g)!r}")
    if len(want) != len(got):
        return f"the document has {len(got)} lines of text where the ledger's report has {len(want)}"
    return None


def _pdf_lines(data: bytes) -> list[str]:
    from pypdf import PdfReader  # only verify reads PDFs; building a report does not need it

    reader = PdfReader(io.BytesIO(data))
    return [line for page in reader.pages for line in (page.extract_text() or "").splitlines()]


def _around(text: str, other: str, context: int = 30) -> str:
    """The part of ``text`` around its first difference from ``other``."""
    at = next((i for i, (a, b) in enumerate(zip(text, other)) if a != b), min(len(text), len(other)))
    start, end = max(0, at - context), at + context
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
