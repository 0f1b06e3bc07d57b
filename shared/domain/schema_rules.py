"""Pydantic's JSON Schema made exact and portable for strict validators (Ajv, jsonschema).

Pydantic writes what the models say in its own dialect: an OpenAPI ``discriminator``
object (an unknown keyword to a JSON Schema 2020-12 validator in strict mode), patterns
that are wider than what the parser accepts (``[0-9]{2}`` for a month; any six digits of
fraction; ``+00:00``), ``\\S`` and ``$``, whose meanings differ between regular-expression
engines. :func:`portable` rewrites those, so that a validator of any language rejects what
ingest rejects wherever JSON Schema can say it (docs/contract.md, section 2.1, lists what
it cannot). The published files are generated through it; the models stay the source.
"""

from __future__ import annotations

from typing import Any

from shared.domain.events import NOT_BLANK, OBSERVED_AT_PATTERN
from shared.domain.temporal import DATE_PATTERN, TIMESTAMP_PATTERN


def _calendar_day(year: str, leap_year: str) -> str:
    """The days ``YYYY-MM-DD`` that exist, of the years ``year`` matches (``leap_year``:
    those of them that are leap years): no 2025-02-29, 2025-04-31 or month 13."""
    day_31 = "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    day_30 = "(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    february = "02-(?:0[1-9]|1[0-9]|2[0-8])"
    return f"(?:{year}-(?:{day_31}|{day_30}|{february})|{leap_year}-02-29)"


# Years 0001-9999 (Python's date has no year 0). Leap: divisible by 4, and centuries by 400.
_ANY_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_ANY_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
# 2020 or later (observed_at: the ledger starts in 2020), and the leap years among them.
_YEAR_FROM_2020 = "(?:20[2-9][0-9]|2[1-9][0-9]{2}|[3-9][0-9]{3})"
_LEAP_YEAR_FROM_2020 = (
    "(?:20(?:[2468][048]|[3579][26])|(?:2[1-9]|[3-9][0-9])(?:0[48]|[2468][048]|[13579][26])"
    "|(?:2[48]|[3579][26]|[468][048])00)"
)

CALENDAR_DAY = f"^{_calendar_day(_ANY_YEAR, _ANY_LEAP_YEAR)}$"
"""A day as the contract writes it (``YYYY-MM-DD``), and only days that exist."""

OBSERVED_DAY = f"^{_calendar_day(_YEAR_FROM_2020, _LEAP_YEAR_FROM_2020)}$"
"""A day that exists, 2020-01-01 or later."""

# Six digits, not all zero: a whole second is written without a fraction.
_FRACTION = (
    r"\.(?:[0-9]{5}[1-9]|[0-9]{4}[1-9][0-9]|[0-9]{3}[1-9][0-9]{2}|[0-9]{2}[1-9][0-9]{3}"
    r"|[0-9][1-9][0-9]{4}|[1-9][0-9]{5})"
)
# Z for UTC; otherwise a non-zero offset under 24 hours (+00:00 and -00:00 are spelt Z).
_OFFSET = r"(?:Z|[+-](?:(?:0[1-9]|1[0-9]|2[0-3]):[0-5][0-9]|00:(?:0[1-9]|[1-5][0-9])))"
_TIME = "T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"

CANONICAL_TIMESTAMP = f"^{_calendar_day(_ANY_YEAR, _ANY_LEAP_YEAR)}{_TIME}(?:{_FRACTION})?{_OFFSET}$"
"""The one spelling of an instant the parser accepts (temporal.format_timestamp's)."""

# Pydantic's regular expressions (Rust's regex crate) take \s as Unicode's White_Space;
# ECMA-262 adds U+FEFF and drops U+0085, Python's re adds U+001C-U+001F. Spelt out, the
# class means the same to all three.
NOT_BLANK_PORTABLE = r"[^\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

_PATTERNS = {
    DATE_PATTERN: CALENDAR_DAY,
    OBSERVED_AT_PATTERN: OBSERVED_DAY,
    TIMESTAMP_PATTERN: CANONICAL_TIMESTAMP,
    NOT_BLANK: NOT_BLANK_PORTABLE,
}


def _at_the_very_end(pattern: str) -> str:
    """``pattern`` with its final ``$`` unable to match before a last line feed, as
    Python's ``re`` lets it (jsonschema searches with ``re``; ECMA-262 and pydantic do not)."""
    return pattern + r"(?!\n)" if pattern.endswith("$") else pattern


def portable(node: Any, *, keep_discriminator: bool = False) -> Any:
    """``node`` (a schema from pydantic) with exact, engine-independent patterns and no
    OpenAPI ``discriminator`` (``keep_discriminator``: leave it for the AsyncAPI document,
    whose schema dialect has one): the ``oneOf`` beside it already picks the figure by its
    ``type`` constant."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "discriminator" and isinstance(value, dict) and not keep_discriminator:
                continue
            if key == "pattern" and isinstance(value, str):
                out[key] = _at_the_very_end(_PATTERNS.get(value, value))
            else:
                out[key] = portable(value, keep_discriminator=keep_discriminator)
        return out
    if isinstance(node, list):
        return [portable(item, keep_discriminator=keep_discriminator) for item in node]
    return node
