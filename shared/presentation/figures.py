"""Figures in words, as the CLI and the web view print them: numbers with the language's
separators, shares as percentages, a cell's or a national row's figure."""

from __future__ import annotations

from typing import Any

from shared.domain.catalogue import Target, TargetKind
from shared.scoring.national import national_goal

_VI_SEPARATORS = str.maketrans(",.", ".,")  # Vietnamese writes 1.234,5


def number(text: str, lang: str = "vi") -> str:
    """A number Python formatted (1,234.5) as ``lang`` writes it."""
    return text.translate(_VI_SEPARATORS) if lang == "vi" else text


def pct(x: float | None, lang: str = "vi") -> str:
    """A share as a percentage with two decimals, "–" when unknown ("77,57%")."""
    return "–" if x is None else number(f"{x * 100:.2f}", lang) + "%"


def figure_text(target: Target | None, row: dict[str, Any], lang: str = "vi", national: bool = False) -> str:
    """A figure in words: a share with its counts, a count against its goal, the agencies
    that reached a task every agency must reach ("x/N cơ quan đạt"), a milestone done."""
    value = row.get("value")
    if value is None:
        return "–"
    if target is None:
        return f"{value:g}"
    vi = lang == "vi"
    if national and row.get("denominator") is not None and target.aggregation.value.startswith("share_"):
        return f"{row['numerator']}/{row['denominator']} " + ("cơ quan đạt" if vi else "agencies done")
    if target.kind is TargetKind.RATIO:
        return number(f"{value * 100:.2f}% ({row['numerator']:,}/{row['denominator']:,})", lang)
    if target.kind is TargetKind.COUNT:
        goal = int(national_goal(target, row["agencies"])) if national else target.target_value
        return number(f"{int(value):,}/{goal:,}", lang) + f" {target.unit if vi else target.unit_en}"
    if vi:
        return "đã xong" if value >= 1 else "chưa xong"
    return "done" if value >= 1 else "not done"
