"""Builds the report model from a scan of the ledger up to the cut-off (the scorer's
figures for that ledger position and the period's activity), the dead letters up to the
cut-off, and the few events it quotes. Pure: the caller reads the database; this module
only reads what it is given.

Activity in the period (who reported, which corrections were made, which events were
rejected) is dated by the event's own ``reported_at`` (Vietnam time), the day the agency
sent it; a rejected message that cannot be read is dated by the day it was rejected."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Protocol

from shared.domain.agencies import AgencyKind, agencies_on, all_agencies
from shared.domain.catalogue import Target, TargetScope, all_target_ids, catalogue_on

from services.report import amendments as amending
from services.report.facts import Fact, vietnam_day
from services.report.model import Amendment, Cutoff, Explanation, LateTask, Report, Standing, TargetLine, Trend
from services.report.period import Period, month_ends
from services.report.scan import Scan
from services.report.scoring import Figures, NationalRow, Projections, Status, on_the_map_of

MIN_TREND_MONTHS = 6
LATE_STATUSES = (Status.OVERDUE.value, Status.AT_RISK.value)
MET_STATUSES = ("met", "met_late")  # met on time or late: a commitment kept


class RejectedMessage(Protocol):
    """What the report reads of a dead letter."""

    reason_code: str
    agency_id: str | None
    original: bytes
    rejected_at: datetime


def rejection_day(message: RejectedMessage) -> date:
    """The day a rejected event was sent (its ``reported_at``), or the day it was
    rejected when the message cannot be read that far."""
    try:
        sent = json.loads(message.original)["reported_at"]
        return vietnam_day(datetime.fromisoformat(sent))
    except (ValueError, TypeError, KeyError):
        return vietnam_day(message.rejected_at)


class Quotes(Protocol):
    """The few recorded events a report quotes in full, read on demand (the ledger is
    read once, for the fold; these are a few hundred entries at most)."""

    def at(self, seqs: Iterable[int]) -> dict[int, Fact]:
        """The events recorded at these ledger positions."""

    def amended(self, amending: Iterable[Fact]) -> dict[tuple[str, str], Fact]:
        """The events these corrections and retractions amend, by (agency, event id)."""

    def explanations(self, as_of: date) -> dict[tuple[str, str], dict[str, Any]]:
        """The latest explanation event of each agency × target given on or before ``as_of``
        (decoded), by (agency, target)."""


def trend_of(period: Period) -> tuple[date, ...]:
    """The month ends a report's trend shows: the months of its year so far, and at least six."""
    return tuple(month_ends(period.end, max(MIN_TREND_MONTHS, period.end.month)))


def report_days(period: Period) -> list[date]:
    """Every day a report of ``period`` reads figures on: its last day, the previous
    period's last day, and its trend's month ends."""
    return sorted({period.end, period.previous().end, *trend_of(period)})


def assemble(period: Period, cutoff: Cutoff, scan: Scan, rejected: Iterable[RejectedMessage],
             quotes: Quotes) -> Report:
    """The report of ``period``: figures on its last day, compared with the previous
    period's last day, both computed by the scorer from the same ledger position."""
    figures = scan.figures
    as_of = period.end
    previous = period.previous()
    now = figures.on(as_of)
    before = on_the_map_of(figures.on(previous.end), as_of)  # the previous period on today's map
    targets = catalogue_on(as_of)
    active = agencies_on(as_of)
    trend_days = trend_of(period)
    return Report(
        period=period, as_of=as_of, previous_period=previous, previous_as_of=previous.end, cutoff=cutoff,
        targets=_target_lines(now, before),
        late=_late_tasks(now, targets, quotes, as_of),
        provinces=_standings(now, before, AgencyKind.PROVINCE),
        ministries=_standings(now, before, AgencyKind.MINISTRY),
        expected=len(active),
        silent=tuple(a.id for a in active if a.id not in scan.reported),
        rejections=dict(sorted(Counter(m.reason_code for m in rejected if period.contains(rejection_day(m))).items())),
        amendments=_amendments(scan.amending, quotes),
        amendment_summary=amending.summarise(
            scan.amending, {t: i for i, t in enumerate(all_target_ids())},
            {a.id: i for i, a in enumerate(all_agencies())}),
        trend=_trend(figures, trend_days),
        distribution=_province_distribution(now, targets),
    )


BLOCKS = ("ministry", "province", "all")


def _by_block(projections: Projections) -> dict[tuple[str, str], NationalRow]:
    """The national rows by (target, block)."""
    return {(row.target_id, row.block): row for row in projections.national.values()}


def _target_lines(now: Projections, before: Projections) -> tuple[TargetLine, ...]:
    """One line per target and block, in catalogue order, the blocks in BLOCKS order."""
    rows, earlier = _by_block(now), _by_block(before)
    return tuple(_target_line(rows[(t, b)], earlier.get((t, b))) for t in all_target_ids() for b in BLOCKS
                 if (t, b) in rows)


def _target_line(n: NationalRow, p: NationalRow | None) -> TargetLine:
    return TargetLine(
        target_id=n.target_id, block=n.block, status=n.status, met_on=n.met_on, value=n.value, numerator=n.numerator,
        denominator=n.denominator, completion=n.completion, agencies=n.agencies, reporting=n.reporting, met=n.met,
        met_late=n.met_late, on_track=n.on_track, at_risk=n.at_risk, overdue=n.overdue, no_data=n.no_data,
        untimed=n.untimed, previous_status=p.status if p else None, previous_value=p.value if p else None,
        previous_numerator=p.numerator if p else None, previous_denominator=p.denominator if p else None,
        previous_completion=p.completion if p else None, previous_met=p.met + p.met_late if p else None,
        previous_agencies=p.agencies if p else None,
    )


def headline(lines: Iterable[TargetLine]) -> dict[str, TargetLine]:
    """Each target's headline line: both blocks together where there is such a line,
    otherwise its one block's (the charts show one figure per target)."""
    out: dict[str, TargetLine] = {}
    for line in lines:
        if line.target_id not in out or line.block == "all":
            out[line.target_id] = line
    return out


def _trend(figures: Figures, days: tuple[date, ...]) -> Trend:
    """Each target's headline completion at each of ``days``."""
    by_day = [headline(_target_lines(figures.on(d), figures.on(d))) for d in days]
    return Trend(days, {t: tuple(day[t].completion if t in day else None for day in by_day)
                        for t in all_target_ids()})


def _registry_order(as_of: date) -> dict[str, int]:
    return {a.id: i for i, a in enumerate(agencies_on(as_of))}


def _late_tasks(now: Projections, targets: dict[str, Target], quotes: Quotes, as_of: date) -> tuple[LateTask, ...]:
    agency_order = _registry_order(as_of)
    target_order = {t: i for i, t in enumerate(all_target_ids())}
    late = [cell for cell in now.cells.values() if cell.status in LATE_STATUSES]
    by_seq = quotes.at(c.source_seq for c in late if c.source_seq is not None)
    explained = quotes.explanations(as_of)
    rows = []
    for cell in late:
        deadline = targets[cell.target_id].deadline
        source = by_seq.get(cell.source_seq) if cell.source_seq is not None else None
        overdue = cell.status == Status.OVERDUE.value
        rows.append(LateTask(
            agency_id=cell.agency_id, target_id=cell.target_id, status=cell.status, deadline=deadline,
            days_late=(as_of - deadline).days if overdue else None,
            days_left=None if overdue else (deadline - as_of).days,
            value=cell.value, numerator=cell.numerator, denominator=cell.denominator, completion=cell.completion,
            observed_at=cell.observed_at, rolled_up=cell.rolled_up, source_event_id=cell.source_event_id,
            reporter_name=source.reporter_name if source else None,
            reporter_role=source.reporter_role if source else None,
            explanation=_explanation(explained.get((cell.agency_id, cell.target_id)), as_of, cell.status),
        ))
    # Most overdue first, then the at-risk tasks closest to their deadline; ties in
    # registry and catalogue order so the table reads the same on every build.
    rows.sort(key=lambda r: (r.status != Status.OVERDUE.value, -(r.days_late or 0), r.days_left or 0,
                             agency_order.get(r.agency_id, len(agency_order)), target_order[r.target_id]))
    return tuple(rows)


def committed_passed(committed_on: date, as_of: date, status: str) -> bool:
    """Whether a committed completion date has passed unkept: it is before the report's
    day ``as_of`` and the task's status there is not met (on time or late)."""
    return committed_on < as_of and status not in MET_STATUSES


def _explanation(event: dict[str, Any] | None, as_of: date, status: str) -> Explanation | None:
    """The report's view of an explanation event (None: the agency gave none)."""
    if event is None:
        return None
    stated = event["explanation"]
    committed_on = date.fromisoformat(stated["committed_on"])
    return Explanation(
        cause=stated["cause"], action=stated["action"], committed_on=committed_on,
        committed_passed=committed_passed(committed_on, as_of, status), event_id=event["event_id"],
        observed_at=date.fromisoformat(event["observed_at"]),
    )


def _standings(now: Projections, before: Projections, kind: AgencyKind) -> tuple[Standing, ...]:
    agency_order = _registry_order(now.on)
    # No rank change without a baseline: an agency that had reported nothing had no rank to lose.
    reported_then = {a for (a, _), cell in before.cells.items() if cell.value is not None}
    rows = []
    for score in now.scores.values():
        if score.kind != kind.value:
            continue
        earlier = before.scores.get(score.agency_id) if score.agency_id in reported_then else None
        rows.append(Standing(
            agency_id=score.agency_id, rank=score.rank, peers=score.peers, score=score.score, targets=score.targets,
            previous_rank=earlier.rank if earlier else None, previous_peers=earlier.peers if earlier else None,
        ))
    rows.sort(key=lambda s: (s.rank, agency_order[s.agency_id]))
    return tuple(rows)


def _amendments(amending_facts: Sequence[Fact], quotes: Quotes) -> tuple[Amendment, ...]:
    listed = amending.most_recent(amending_facts)
    originals = quotes.amended(listed)
    return tuple(amending.amendment(f, originals.get((f.agency_id, f.amends))) for f in listed)


def _province_distribution(now: Projections, targets: dict[str, Target]) -> dict[str, dict[str, int]]:
    provinces = {a.id for a in agencies_on(now.on, AgencyKind.PROVINCE)}
    out: dict[str, dict[str, int]] = {}
    for target_id in all_target_ids():
        if targets[target_id].scope is not TargetScope.AGENCY:
            continue
        statuses = [c.status for (a, t), c in now.cells.items() if t == target_id and a in provinces]
        if statuses:
            counts = Counter(statuses)
            out[target_id] = {s.value: counts.get(s.value, 0) for s in Status}
    return out
