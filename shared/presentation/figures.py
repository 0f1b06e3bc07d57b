"""Numbers and figures in words, as the CLI, the web view and the reports print them: the
one formatter, Babel's CLDR data for Vietnamese (1.234,5) and English (1,234.5).

Floats are rounded by Python before Babel formats them: Babel rounds the decimal it reads
from the float's shortest repr half to even (2.675 → 2.68), Python rounds the binary value
(2.675 → 2.67); rounding first keeps every figure as it was before Babel was used."""

from __future__ import annotations

from datetime import date
from typing import Any

from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from shared.domain.catalogue import Target, TargetKind
from shared.scoring.national import national_goal

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
# Parsed once: babel.numbers.format_decimal parses its pattern and its locale on every
# call, two thirds of its time (a page shows hundreds of numbers).
_LOCALE_DATA = {lang: Locale.parse(code) for lang, code in LOCALES.items()}


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def number(value: float, lang: str = "vi", digits: int | None = None, *, signed: bool = False) -> str:
    """``value`` with the language's grouping and decimal separators: ``digits`` decimals
    (None: as many as it has, at most three, 80.0 → "80"); ``signed`` puts a "+" before a
    positive number (a change)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "" if digits == 0 else ".###")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return _pattern(pattern).apply(value if digits is None else round(value, digits), _LOCALE_DATA[lang])


def pct(x: float | None, lang: str = "vi", digits: int | None = 2) -> str:
    """A share as a percentage, "–" when unknown: 0.7757 → "77,57%" ("77.57%" in English;
    no space before the sign, as the Government's documents write it); ``digits`` None:
    as many as it has (0.8 → "80%")."""
    return "–" if x is None else number(x * 100, lang, digits) + "%"


def day_text(day: date | None) -> str:
    """A day as Vietnamese documents write it (31/12/2025); a dash when there is none."""
    return day.strftime("%d/%m/%Y") if day else "–"


def reported_figure_text(figure: dict[str, Any] | None, lang: str = "vi") -> str:
    """A figure as an agency reported it in an event (the contract's ``figure`` object):
    a ratio with its share (395.120/471.830 (83,74%)), a count, a milestone done or not
    with its day; "" for an event without one (a retraction, an explanation)."""
    if not figure:
        return ""
    kind = figure.get("type")
    if kind == "ratio":
        num, den = figure["numerator"], figure["denominator"]
        share = f" ({pct(num / den, lang)})" if den else ""
        return f"{number(num, lang)}/{number(den, lang)}{share}"
    if kind == "count":
        return number(figure["count"], lang)
    if kind == "milestone":
        done = figure.get("done")
        words = ("đã xong" if done else "chưa xong") if lang == "vi" else ("done" if done else "not done")
        on = figure.get("done_on")
        return f"{words} ({day_text(date.fromisoformat(on))})" if done and on else words
    return str(figure)


def figure_text(target: Target | None, row: dict[str, Any], lang: str = "vi", national: bool = False) -> str:
    """A figure in words: a share with its counts, a count against its goal, the agencies
    that reached a task every agency must reach ("x/N cơ quan đạt"), a milestone done."""
    value = row.get("value")
    if value is None:
        return "–"
    if target is None:
        return number(value, lang)
    vi = lang == "vi"
    if national and row.get("denominator") is not None and target.aggregation.value.startswith("share_"):
        return f"{row['numerator']}/{row['denominator']} " + ("cơ quan đạt" if vi else "agencies done")
    if target.kind is TargetKind.RATIO:
        return f"{pct(value, lang)} ({number(row['numerator'], lang)}/{number(row['denominator'], lang)})"
    if target.kind is TargetKind.COUNT:
        goal = int(national_goal(target, row["agencies"])) if national else target.target_value
        return (f"{number(int(value), lang)}/{number(goal, lang)} "
                + (target.unit if vi else target.unit_en))
    if vi:
        return "đã xong" if value >= 1 else "chưa xong"
    return "done" if value >= 1 else "not done"
