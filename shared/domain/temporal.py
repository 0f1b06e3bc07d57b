"""Dates and timestamps of the wire contract: exactly one textual form each.

Agencies sign the canonical JSON of an event, so a date or timestamp must read back as the
very string that was signed. We therefore accept only the canonical spelling on the wire and
say which string to send when an input is spelled any other way.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

# Vietnam has used UTC+7 without daylight saving since 1975; a fixed offset is exact.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)
_DATE_RE = re.compile(DATE_PATTERN)
# Wider than TIMESTAMP_PATTERN on purpose: readable non-canonical spellings get parsed so the
# error can name the canonical one.
_TIMESTAMP_SHAPE_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _as_date(value: Any) -> date:
    """Accept a ``date`` object or a ``YYYY-MM-DD`` string; nothing else."""
    # datetime is a subclass of date: a timestamp where a calendar day is meant is a type error.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("wrong_type", "should be a date string YYYY-MM-DD")
    if not _DATE_RE.fullmatch(value):
        raise PydanticCustomError(
            "invalid_value", "should be a date written YYYY-MM-DD, got {got}", {"got": value}
        )
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "invalid_value", "{got} is not a calendar date ({why})", {"got": value, "why": str(exc)}
        ) from None


def format_timestamp(value: datetime) -> str:
    """Write an aware timestamp in the contract's canonical form.

    ``YYYY-MM-DDTHH:MM:SS``, then ``.ffffff`` only when there are microseconds, then ``Z``
    for a zero offset or ``+HH:MM`` / ``-HH:MM``.
    """
    # Formatted by hand: strftime("%Y") does not zero-pad years below 1000 on every platform.
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        text += f".{value.microsecond:06d}"
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("a contract timestamp needs a UTC offset")
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}:{minutes:02d}"


def _as_timestamp(value: Any) -> datetime:
    """Accept an aware ``datetime`` or a canonical RFC 3339 string; nothing else."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        if not _TIMESTAMP_SHAPE_RE.fullmatch(value):
            raise PydanticCustomError(
                "invalid_value",
                "should be a timestamp with offset like 2025-04-01T09:30:00+07:00, got {got}",
                {"got": value},
            )
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "invalid_value", "{got} is not a valid timestamp ({why})", {"got": value, "why": str(exc)}
            ) from None
    else:
        raise PydanticCustomError("wrong_type", "should be a timestamp string")
    offset = parsed.utcoffset()
    if offset is None:
        raise PydanticCustomError("invalid_value", "needs a UTC offset, e.g. +07:00")
    if offset.total_seconds() % 60:
        raise PydanticCustomError("invalid_value", "UTC offset must be whole minutes")
    if isinstance(value, str) and format_timestamp(parsed) != value:
        # Only one spelling reads back identically, and signatures cover the spelling.
        raise PydanticCustomError(
            "invalid_value",
            "should be written in canonical form {canonical}, got {got}",
            {"canonical": format_timestamp(parsed), "got": value},
        )
    return parsed


IsoDate = Annotated[
    date,
    BeforeValidator(_as_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A calendar day, written ``YYYY-MM-DD`` on the wire."""

Timestamp = Annotated[
    datetime,
    BeforeValidator(_as_timestamp),
    PlainSerializer(format_timestamp, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN}),
]
"""An instant with its UTC offset, written in the canonical form of :func:`format_timestamp`."""


def vietnam_date(value: datetime) -> date:
    """The calendar day in Vietnam at the instant ``value``: the first or last day a
    ``date`` holds when the instant lies beyond them."""
    try:
        return value.astimezone(VIETNAM_TZ).date()
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 and 9999-12-31T23:59:59-01:00 are canonical text; their
        # UTC or Vietnam time is not a datetime, and an event must never stop ingest.
        return date.min if value.year == 1 else date.max


def month_end(year: int, month: int) -> date:
    """The last day of a month (``month`` 13 is January of the next year's, and so on)."""
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
