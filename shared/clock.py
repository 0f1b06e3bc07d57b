"""The one clock: now in UTC, and today in Vietnam (the calendar the targets are set in)."""

from __future__ import annotations

from datetime import date, datetime, timezone

from shared.domain.temporal import VIETNAM_TZ


def utc_now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(timezone.utc)


def vietnam_today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM_TZ).date()


def as_utc(instant: datetime) -> datetime:
    """An aware UTC instant; a naive one (as SQLite returns them) is taken as UTC."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)
