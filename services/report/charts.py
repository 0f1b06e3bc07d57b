"""The report's charts as SVG (Markdown and HTML) or PNG (the PDF): national progress by
target, provinces by status, and the national trend of every target. Each ``*_chart``
builds a figure; :func:`draw` builds it under the report's style and encodes it.

The SVG carries its words as text (``svg.fonttype: none``), not as glyph outlines: a
quarter of the size, searchable, read by screen readers, and shown by GitHub and GitLab.
Its text asks for :data:`FONT_STACK`; matplotlib lays it out with DejaVu Sans (it ships
with matplotlib), the widest of the stack, so a viewer that falls back to Noto Sans or
Arial draws labels slightly narrower, never overflowing. Every font of the stack has the
Vietnamese letters. The PNG is drawn by matplotlib's own rasteriser in DejaVu Sans.

Deterministic on purpose: matplotlib's object-oriented API (no pyplot global state, so
no display backend), a fixed ``svg.hashsalt`` for element ids and no date in the
metadata, so the same report gives the same bytes in every process.

Colours meet WCAG AA: every text colour has a contrast of at least 4.5:1 against what it
is drawn on (white, or the bar it labels: :data:`LABEL_COLOURS`)."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from shared.domain.catalogue import Target, all_target_ids
from shared.presentation.labels import STATUS_ORDER

from services.report.assemble import headline
from services.report.model import Report
from services.report.texts import Texts

STATUS_COLOURS = {
    "met": "#2e7d32",
    "met_late": "#81c784",
    "on_track": "#1565c0",
    "untimed": "#64b5f6",
    "at_risk": "#f9a825",
    "overdue": "#c62828",
    "no_data": "#9e9e9e",
}
# Statuses whose bars are light enough for black counts (white on the others).
_LIGHT = {"met_late", "untimed", "at_risk", "no_data"}
# The counts drawn on each status's bar.
LABEL_COLOURS = {status: "#000000" if status in _LIGHT else "#ffffff" for status in STATUS_COLOURS}
# Text drawn on the white background: values beside bars, "no data".
TEXT_COLOUR = "#333333"
MUTED_COLOUR = "#595959"
# The fonts a viewer draws the SVG's text with, in order; the first is matplotlib's.
FONT_STACK = ("DejaVu Sans", "Noto Sans", "Segoe UI", "Arial")
_STYLE = {
    "svg.hashsalt": "tiendo-report",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": list(FONT_STACK),
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 8,
}
_WIDTH_IN = 7.0


CHART_FORMATS = ("svg", "png")
PNG_DPI = 200


def _encode(fig: Figure, fmt: str) -> bytes:
    """The figure as SVG (vector, for Markdown and HTML) or PNG (for the PDF: the PDF's
    chart images are what `report verify` compares when another WeasyPrint lays the PDF
    out differently). Neither carries a date or a version."""
    if fmt == "svg":
        text = io.StringIO()
        fig.savefig(text, format="svg", metadata={"Date": None, "Creator": "Tiến độ"}, bbox_inches="tight")
        return text.getvalue().encode("utf-8")
    if fmt == "png":
        data = io.BytesIO()
        fig.savefig(data, format="png", dpi=PNG_DPI, metadata={"Software": None}, bbox_inches="tight")
        return data.getvalue()
    raise ValueError(f"unknown chart format {fmt!r}; use {', '.join(CHART_FORMATS)}")


def draw(chart: Callable[[Report, dict[str, Target], Texts], Figure], report: Report,
         targets: dict[str, Target], t: Texts, formats: Sequence[str]) -> dict[str, bytes]:
    """``chart`` built once and encoded as each of ``formats`` (svg, png): the files'
    bytes. Encoding a figure leaves it as it was, so each encoding is the same bytes as
    from a figure of its own."""
    with rc_context(_STYLE):
        fig = chart(report, targets, t)
        return {fmt: _encode(fig, fmt) for fmt in formats}


def short_label(number: int, name: str, width: int = 46, lines: int = 2) -> str:
    """"3. Tỷ lệ dân số trưởng thành…": numbered, wrapped, cut to ``lines`` lines."""
    wrapped = textwrap.wrap(f"{number}. {name}", width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1].rstrip(" ,.") + "…"
    return "\n".join(wrapped)


def progress_chart(report: Report, targets: dict[str, Target], t: Texts) -> Figure:
    """Horizontal bars: each target's headline completion (both blocks together where a
    target has that figure), coloured by status."""
    lines = list(headline(report.targets).values())
    fig = Figure(figsize=(_WIDTH_IN, 0.38 * len(lines) + 0.9))
    ax = fig.add_subplot()
    ys = range(len(lines))
    values = [100 * (ln.completion or 0) for ln in lines]
    ax.barh(ys, values, color=[STATUS_COLOURS[ln.status] for ln in lines], height=0.65)
    for y, ln, v in zip(ys, lines, values):
        if ln.completion is None:
            ax.text(v + 1, y, t.status("no_data"), va="center", fontsize=7, color=MUTED_COLOUR)
        else:
            ax.text(v + 1, y, t.pct(ln.completion), va="center", fontsize=7, color=TEXT_COLOUR)
    numbered = _numbers()
    ax.set_yticks(list(ys), [short_label(numbered[ln.target_id], t.target_name(targets[ln.target_id]))
                             for ln in lines], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 20, 40, 60, 80, 100], ["0", "20", "40", "60", "80", "100%"])
    ax.axvline(100, color="#555555", linewidth=0.6, linestyle=":")
    _status_legend(ax, [ln.status for ln in lines], t)
    return fig


def distribution_chart(report: Report, targets: dict[str, Target], t: Texts) -> Figure:
    """Stacked bars: how many provinces are in each status, per target."""
    numbered = _numbers()
    rows = list(report.distribution.items())
    statuses = list(STATUS_ORDER)
    fig = Figure(figsize=(_WIDTH_IN, 0.38 * max(len(rows), 1) + 0.9))
    ax = fig.add_subplot()
    ys = range(len(rows))
    left = [0] * len(rows)
    for status in statuses:
        counts = [dist.get(status, 0) for _, dist in rows]
        ax.barh(ys, counts, left=left, color=STATUS_COLOURS[status], height=0.65, label=t.status(status))
        for y, start, n in zip(ys, left, counts):
            if n:
                ax.text(start + n / 2, y, str(n), va="center", ha="center", fontsize=6.5,
                        color=LABEL_COLOURS[status])
        left = [a + b for a, b in zip(left, counts)]
    ax.set_yticks(list(ys), [short_label(numbered[tid], t.target_name(targets[tid])) for tid, _ in rows],
                  fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, max(left, default=1))
    ax.set_xlabel(t["agencies_unit"])
    _status_legend(ax, [s for s in statuses if any(dist.get(s) for _, dist in rows)], t)
    return fig


def trend_chart(report: Report, targets: dict[str, Target], t: Texts) -> Figure:
    """Small multiples: each target's national completion at each month end of the trend."""
    lines = list(headline(report.targets).values())
    numbered = _numbers()
    columns = 4
    rows = -(-len(lines) // columns)
    days = report.trend.days
    ticks = [0, len(days) - 1]
    fig = Figure(figsize=(_WIDTH_IN, 1.45 * rows))
    axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(lines):
            ax.set_visible(False)
            continue
        ln = lines[i]
        series = report.trend.completion[ln.target_id]
        xs = [x for x, v in enumerate(series) if v is not None]
        ax.plot(xs, [100 * series[x] for x in xs], color=STATUS_COLOURS[ln.status], linewidth=1.4,
                marker="o", markersize=2)
        if not xs:
            ax.text((len(days) - 1) / 2, 50, t.status("no_data"), ha="center", va="center",
                    fontsize=6.5, color=MUTED_COLOUR)
        ax.axhline(100, color="#555555", linewidth=0.5, linestyle=":")
        ax.set_ylim(0, 105)
        ax.set_yticks([0, 50, 100])
        ax.set_title(short_label(numbered[ln.target_id], t.target_name(targets[ln.target_id]), width=26),
                     fontsize=6.2,
                     loc="left")
        ax.tick_params(labelsize=6)
        ax.set_xlim(-0.3, len(days) - 0.7)
        ax.set_xticks(ticks, [t.month(days[x]) for x in ticks])
        for label, align in zip(ax.get_xticklabels(), ("left", "right")):
            label.set_horizontalalignment(align)
    fig.subplots_adjust(hspace=0.95, wspace=0.22)
    return fig


def _numbers() -> dict[str, int]:
    """Each target's number in the report: its place in the catalogue."""
    return {target_id: i for i, target_id in enumerate(all_target_ids(), start=1)}


def _status_legend(ax, statuses: Sequence[str], t: Texts) -> None:
    shown = [s for s in STATUS_ORDER if s in set(statuses)]
    ax.legend(handles=[Patch(color=STATUS_COLOURS[s], label=t.status(s)) for s in shown],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=min(len(shown), 4), frameon=False, fontsize=7)
