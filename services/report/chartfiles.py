"""A Markdown report's charts: SVG files in a folder beside it, linked by relative paths.

GitHub and GitLab strip ``data:`` images from Markdown, so the Markdown cannot carry its
charts inside as the HTML does: ``tiendo-2025-Q2-vi.md`` links to
``tiendo-2025-Q2-vi.charts/chart-1.svg`` and so on. So that what is signed covers them,
the Markdown lists each chart file's SHA-256 in an HTML comment (hidden by every
renderer), in the format ``sha256sum --check`` reads::

    <!-- tiendo-report-charts
    3f2a…  tiendo-2025-Q2-vi.charts/chart-1.svg
    -->

The Markdown's detached signature covers that list, and `report verify` checks each file
against it and against the chart rebuilt from the ledger."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from services.report.view import View

LIST_START = "<!-- tiendo-report-charts"
_LIST = re.compile(re.escape(LIST_START) + r"\n(.*?)-->", re.S)
_LINE = re.compile(r"([0-9a-f]{64})  (\S+)")


def chart_files(view: View) -> dict[str, bytes]:
    """Each chart file of a Markdown report, by its path relative to the Markdown."""
    return {f"{view.chart_dir}/{chart.name}": chart.data for chart in view.charts}


def listed(markdown: str) -> dict[str, str]:
    """The chart files a Markdown report lists: relative path → SHA-256 in hex."""
    match = _LIST.search(markdown)
    if match is None:
        return {}
    return {m.group(2): m.group(1) for m in map(_LINE.fullmatch, match.group(1).splitlines()) if m}


def problems(markdown_path: Path, markdown: str, view: View) -> list[str]:
    """What is wrong with the chart files beside a Markdown report: one missing, one
    changed since the report listed its hash, one that is not the chart the ledger gives
    (``view``: the rebuilt report's), or a list that is not the rebuilt report's."""
    found = listed(markdown)
    expected = chart_files(view)
    out = []
    if set(found) != set(expected):
        out.append(f"the report lists the chart files {sorted(found)}, the ledger's report has {sorted(expected)}")
    captions = {f"{view.chart_dir}/{c.name}": c.caption for c in view.charts}
    for relative, digest in found.items():
        path = markdown_path.parent / relative
        # The list is the document's: a path in it must not leave the report's folder.
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            out.append(f"the chart path {relative!r} leaves the report's folder")
            continue
        if not path.is_file():
            out.append(f"the chart file {relative} is missing (it must be beside the report)")
            continue
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            out.append(f"the chart file {relative} was changed after the report was issued: its SHA-256 is "
                       f"{actual}, the report lists {digest}")
        elif relative in expected and data != expected[relative]:
            out.append(f"the chart file {relative} ({captions[relative]}) differs from the ledger's")
    return out
