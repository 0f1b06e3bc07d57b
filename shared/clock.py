"""The one clock: now in UTC, and today in Vietnam (the calendar the targets are set in).

Nothing else in the code reads the time of day or defines Vietnam's zone: the zone is
shared.domain.temporal.VIETNAM_TZ (the domain parses dates with it), and
tests/unit/test_clock_single.py fails the suite on a second definition."""

from __future__ import annotations

from datetime import date, datetime, timezone

from shared.domain.temporal import VIETNAM_TZ, vietnam_date


def utc_now() -> datetime:
    """The current moment, aware, in UTC."""
    return datetime.now(timezone.utc)


def vietnam_today() -> date:
    """Today's date in Vietnam."""
    return datetime.now(VIETNAM_TZ).date()


def vietnam_day(instant: datetime) -> date:
    """The calendar day in Vietnam at ``instant``; a naive one (as SQLite returns them) is
    taken as UTC."""
    return vietnam_date(as_utc(instant))


def as_utc(instant: datetime) -> datetime:
    """An aware UTC instant; a naive one (as SQLite returns them) is taken as UTC."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)
