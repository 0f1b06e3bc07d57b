"""The corrections section, bounded by what a reader can use: every correction and
retraction of the period counted by target and by agency, and only the most recent few
dozen shown in full (``tiendo report amendments`` lists them all). Without the bound the
section grew with the ledger: at 100,000 events it was most of a 150-page PDF."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from services.report.facts import Fact
from services.report.model import AgencyAmendments, Amendment, AmendmentSummary, TargetAmendments

MAX_LISTED = 20
MAX_AGENCIES = 10


def most_recent(amending: Iterable[Fact], n: int = MAX_LISTED) -> list[Fact]:
    """The ``n`` most recently sent, newest first (ledger order breaks ties), so the
    same ledger always gives the same list."""
    return heapq.nlargest(n, amending, key=_sent)


def in_sent_order(amending: Iterable[Fact]) -> list[Fact]:
    """All of them in the order they were sent (ledger order breaks ties)."""
    return sorted(amending, key=_sent)


def _sent(f: Fact) -> tuple:
    return (f.reported_on, f.seq)


def amendment(fact: Fact, amended: Fact | None) -> Amendment:
    """A correction or retraction with the figure it replaced (None: the amended event
    is not in the ledger up to the cut-off)."""
    return Amendment(
        agency_id=fact.agency_id, target_id=fact.target_id, kind=fact.kind, event_id=fact.event_id,
        amends=fact.amends, reported_on=fact.reported_on, observed_at=fact.observed_at,
        before=amended.figure if amended else None, after=fact.figure, reporter_name=fact.reporter_name,
        reporter_role=fact.reporter_role, evidence=fact.evidence,
    )


def summarise(amending: Sequence[Fact], target_order: Mapping[str, int],
              agency_order: Mapping[str, int]) -> AmendmentSummary:
    """Counts of ``amending`` (the period's corrections and retractions) by target, in
    catalogue order, and for the :data:`MAX_AGENCIES` agencies that sent the most
    (ties in registry order, then by id)."""
    corrections = Counter()
    retractions = Counter()
    agencies_of: dict[str, set[str]] = {}
    by_agency: dict[str, list[int]] = {}
    for f in amending:
        (retractions if f.kind == "retraction" else corrections)[f.target_id] += 1
        agencies_of.setdefault(f.target_id, set()).add(f.agency_id)
        counts = by_agency.setdefault(f.agency_id, [0, 0])
        counts[f.kind == "retraction"] += 1
    targets = sorted(agencies_of, key=lambda t: (target_order.get(t, len(target_order)), t))
    top = heapq.nsmallest(MAX_AGENCIES, by_agency, key=lambda a: (
        -sum(by_agency[a]), agency_order.get(a, len(agency_order)), a))
    return AmendmentSummary(
        total=len(amending), corrections=sum(corrections.values()), retractions=sum(retractions.values()),
        agencies=len(by_agency),
        by_target=tuple(TargetAmendments(t, corrections[t], retractions[t], len(agencies_of[t])) for t in targets),
        by_agency=tuple(AgencyAmendments(a, *by_agency[a]) for a in top),
    )
