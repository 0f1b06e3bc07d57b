"""The one number formatter (shared/presentation/figures.py): Babel's Vietnamese and
English, and exactly the digits Python's own rounding gives."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.catalogue import catalogue_on
from shared.presentation.figures import figure_text, number, pct, reported_figure_text


def test_vietnamese_and_english_separators():
    assert (number(1234567.891, "vi", 2), number(1234567.891, "en", 2)) == ("1.234.567,89", "1,234,567.89")
    assert (number(395120), number(80.0), number(0.125, digits=None)) == ("395.120", "80", "0,125")
    assert (pct(0.7757), pct(0.7757, "en"), pct(None), pct(0.8, digits=None)) == ("77,57%", "77.57%", "–", "80%")
    assert (number(1.5, "vi", 2, signed=True), number(-1.5, "en", 2, signed=True)) == ("+1,50", "-1.50")


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_the_digits_are_pythons(value, digits):
    """Babel rounds the decimal it reads half to even; Python rounds the float's binary
    value. The formatter gives Python's digits (2.675 → 2.67), as the reports always did."""
    assert number(value, "en", digits) == f"{value:,.{digits}f}"
    assert number(value, "vi", digits) == f"{value:,.{digits}f}".translate(str.maketrans(",.", ".,"))


def test_figures_in_words():
    targets = catalogue_on(date(2025, 3, 18))
    ratio = {"value": 0.98, "numerator": 9800, "denominator": 10000}
    assert figure_text(targets["civil_registry_digitised"], ratio) == "98,00% (9.800/10.000)"
    assert figure_text(targets["civil_registry_digitised"], ratio, "en") == "98.00% (9,800/10,000)"
    count = {"value": 54.0, "agencies": 1}
    assert figure_text(targets["essential_services"], count).startswith("54/76 ")


def test_figures_as_agencies_reported_them():
    ratio = {"type": "ratio", "numerator": 395120, "denominator": 471830}
    assert reported_figure_text(ratio) == "395.120/471.830 (83,74%)"
    assert reported_figure_text(ratio, "en") == "395,120/471,830 (83.74%)"
    assert reported_figure_text({"type": "ratio", "numerator": 0, "denominator": 0}) == "0/0"
    assert reported_figure_text({"type": "count", "count": 1017}, "en") == "1,017"
    assert reported_figure_text({"type": "milestone", "done": True, "done_on": "2025-02-25"}) == "đã xong (25/02/2025)"
    assert reported_figure_text({"type": "milestone", "done": False}, "en") == "not done"
    assert reported_figure_text(None) == ""
