"""One pass over the ledger up to the cut-off: each payload is decoded once and gives
the scorer's fold its entry and the report what it needs of the period's activity (who
sent anything, which corrections and retractions were sent). Everything else the report
quotes (the last reporter of a late task, the figure a correction replaced) is a handful
of entries, read by the caller afterwards. Pure: the caller hands in the rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.report.facts import Fact, fact_of_event, vietnam_day
from services.report.period import Period
from services.report.scoring import Folding, LedgerFigures


@dataclass(frozen=True)
class Scan:
    """What the report keeps of a pass over the ledger."""

    figures: LedgerFigures
    reported: frozenset[str]  # agencies with an event received (recorded_at) during the period
    amending: tuple[Fact, ...]  # the corrections and retractions received during the period, in ledger order


def scan(rows: Iterable[tuple[int, str, int, datetime, str]], period: Period, upto_seq: int) -> Scan:
    """Fold ``rows`` (seq, agency_id, chain_pos, recorded_at, payload — every entry up to
    ``upto_seq`` in ledger order) and note the period's activity. Activity is dated by when
    ingest recorded it, never by the agency's own reported_at: a backdated correction
    counts in the period it arrived in (issue 13)."""
    folding = Folding()
    reported: set[str] = set()
    amending: list[Fact] = []
    for seq, agency_id, chain_pos, recorded_at, payload in rows:
        try:
            event = json.loads(payload)
        except ValueError as exc:
            folding.skip(seq, f"payload is not JSON ({exc})")
            continue
        folding.add(seq, agency_id, chain_pos, event)
        if event.get("amends") is not None:
            if period.contains(vietnam_day(recorded_at)):
                reported.add(agency_id)
                amending.append(fact_of_event(seq, agency_id, event))
        elif agency_id not in reported and period.contains(vietnam_day(recorded_at)):
            reported.add(agency_id)
    return Scan(LedgerFigures(folding.fold, upto_seq), frozenset(reported), tuple(amending))
