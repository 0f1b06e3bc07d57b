"""What a report reads of the ledger up to its cut-off, besides the figures: who sent
anything during the period and which corrections and retractions were sent. Activity is
dated by when ingest recorded it, never by the agency's own reported_at: a backdated
correction counts in the period it arrived in (issue 13). Pure: the caller hands in the
rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from services.report.facts import Fact, fact_of, vietnam_day
from services.report.period import Period
from services.report.scoring import Figures
from shared.domain.temporal import VIETNAM_TZ


@dataclass(frozen=True)
class Scan:
    """What the report keeps of the ledger up to its cut-off."""

    figures: Figures
    reported: frozenset[str]  # agencies with an event received (recorded_at) during the period
    amending: tuple[Fact, ...]  # the corrections and retractions received during the period, in ledger order


def period_instants(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of the period's days in Vietnam, as UTC instants."""
    start = datetime.combine(period.start, time(), VIETNAM_TZ)
    end = datetime.combine(period.end + timedelta(days=1), time(), VIETNAM_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def amending_in(rows: Iterable, period: Period) -> tuple[Fact, ...]:
    """The corrections and retractions among ``rows`` (each with ``seq``, ``agency_id``,
    ``recorded_at`` and ``payload``, in ledger order) that were recorded during ``period``."""
    return tuple(fact_of(r) for r in rows if period.contains(vietnam_day(r.recorded_at)))
