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
    reported: frozenset[str]  # agencies with an event sent (reported_at) during the period
    amending: tuple[Fact, ...]  # the corrections and retractions sent during the period, in ledger order


def scan(rows: Iterable[tuple[int, str, int, str]], period: Period, upto_seq: int) -> Scan:
    """Fold ``rows`` (seq, agency_id, chain_pos, payload — every entry up to ``upto_seq``
    in ledger order) and note the period's activity."""
    folding = Folding()
    reported: set[str] = set()
    amending: list[Fact] = []
    for seq, agency_id, chain_pos, payload in rows:
        try:
            event = json.loads(payload)
        except ValueError as exc:
            folding.skip(seq, f"payload is not JSON ({exc})")
            continue
        folding.add(seq, agency_id, chain_pos, event)
        if event.get("amends") is not None:
            fact = fact_of_event(seq, agency_id, event)
            if period.contains(fact.reported_on):
                reported.add(agency_id)
                amending.append(fact)
        elif agency_id not in reported:
            # Once an agency is known to have reported, its other events' dates do not
            # matter: most entries skip parsing their reported_at.
            if period.contains(vietnam_day(datetime.fromisoformat(event["reported_at"]))):
                reported.add(agency_id)
    return Scan(LedgerFigures(folding.fold, upto_seq), frozenset(reported), tuple(amending))
