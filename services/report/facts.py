"""What the report quotes of a recorded event: who sent it, when, what it said. Pure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from shared.clock import vietnam_day


class LedgerRow(Protocol):
    """What the report reads of a ledger entry."""

    seq: int
    agency_id: str
    payload: str


@dataclass(frozen=True)
class Fact:
    """The parts of a recorded event the report quotes."""

    seq: int
    agency_id: str
    event_id: str
    target_id: str
    kind: str
    observed_at: date
    reported_on: date
    figure: dict[str, Any] | None
    amends: str | None
    reporter_name: str
    reporter_role: str
    evidence: str | None


def fact_of(row: LedgerRow) -> Fact:
    """The quoted parts of a ledger entry (its payload is the event as recorded)."""
    return fact_of_event(row.seq, row.agency_id, json.loads(row.payload))


def fact_of_event(seq: int, agency_id: str, event: dict[str, Any]) -> Fact:
    """The quoted parts of a recorded event already decoded from its payload."""
    reporter = event["reporter"]
    return Fact(
        seq=seq, agency_id=agency_id, event_id=event["event_id"], target_id=event["target_id"],
        kind=event["kind"], observed_at=date.fromisoformat(event["observed_at"]),
        reported_on=vietnam_day(datetime.fromisoformat(event["reported_at"])), figure=event.get("figure"),
        amends=event.get("amends"), reporter_name=reporter["name"], reporter_role=reporter["role"],
        evidence=event.get("evidence"),
    )
