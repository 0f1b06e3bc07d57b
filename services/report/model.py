"""The report as data: every number a rendered report shows, in plain frozen dataclasses.

The model is language-neutral (ids, not names) so the Vietnamese and the English report
of one period and cut-off carry the same figures. :func:`plain` turns it into JSON-ready
values; that form is embedded in every rendered file and is what ``report verify``
recomputes and compares."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any

from services.report.period import Period


@dataclass(frozen=True)
class TreeProof:
    """The ledger's Merkle tree at a cut-off, proven under a signed tree head: the entries
    a report counts are the first ``size`` leaves (seq order is leaf order), whose root is
    ``root``; ``head`` is a head the ledger key signed (its JSON form, a tree of at least
    ``size`` leaves), and ``consistency`` the RFC 9162 proof that the first tree is a
    prefix of the head's (empty when the sizes are equal). Hashes in hex."""

    size: int
    root: str
    head: dict[str, Any]
    consistency: tuple[str, ...]


@dataclass(frozen=True)
class Cutoff:
    """Where the report's figures stop: the ledger and the dead letters as recorded up to
    the instant ``at``. ``seq`` and ``dead_letter_id`` pin that exactly (both only grow),
    and ``tree`` proves which entries those are (None while the ledger held none)."""

    at: datetime
    seq: int
    dead_letter_id: int
    tree: TreeProof | None


@dataclass(frozen=True)
class TargetLine:
    """One target's figure for one block in the executive summary, now and a period ago:
    ``block`` is "ministry" (khối bộ, ngành), "province" (khối địa phương) or "all" (both
    blocks together, only for a target that applies to both). ``met`` + ``met_late`` of
    ``agencies`` is the "x/N cơ quan đạt" of a target every agency must reach."""

    target_id: str
    block: str
    status: str
    met_on: date | None
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    agencies: int
    reporting: int
    met: int
    met_late: int
    on_track: int
    at_risk: int
    overdue: int
    no_data: int
    untimed: int
    previous_status: str | None
    previous_value: float | None
    previous_numerator: int | None
    previous_denominator: int | None
    previous_completion: float | None
    previous_met: int | None
    previous_agencies: int | None


@dataclass(frozen=True)
class Explanation:
    """The latest explanation (giải trình) the agency gave of a late task, as recorded up
    to the cut-off: cause, remedial action and committed completion date.
    ``committed_passed``: that date is before the report's day and the task is still not met."""

    cause: str
    action: str
    committed_on: date
    committed_passed: bool
    event_id: str
    observed_at: date


@dataclass(frozen=True)
class LateTask:
    """An agency × target that is overdue or at risk: who, what, by when, how late, who
    reported last and what."""

    agency_id: str
    target_id: str
    status: str
    deadline: date
    days_late: int | None
    days_left: int | None
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    observed_at: date | None
    rolled_up: bool
    source_event_id: str | None
    reporter_name: str | None
    reporter_role: str | None
    explanation: Explanation | None = None


@dataclass(frozen=True)
class Standing:
    """An agency's place on a leaderboard, and where it stood a period ago (None: the
    agency did not exist then)."""

    agency_id: str
    rank: int
    peers: int
    score: float
    targets: int
    previous_rank: int | None
    previous_peers: int | None


@dataclass(frozen=True)
class Amendment:
    """A correction or retraction reported during the period, with the figure it replaced."""

    agency_id: str
    target_id: str
    kind: str
    event_id: str
    amends: str
    reported_on: date
    observed_at: date
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reporter_name: str
    reporter_role: str
    evidence: str | None


@dataclass(frozen=True)
class TargetAmendments:
    """Corrections and retractions sent during the period for one target, and how many
    agencies sent them."""

    target_id: str
    corrections: int
    retractions: int
    agencies: int


@dataclass(frozen=True)
class AgencyAmendments:
    """Corrections and retractions one agency sent during the period."""

    agency_id: str
    corrections: int
    retractions: int


@dataclass(frozen=True)
class AmendmentSummary:
    """Every correction and retraction sent during the period, counted: its size is
    bounded by the targets and agencies, however many events there were. ``by_agency``
    holds only the agencies that sent the most."""

    total: int
    corrections: int
    retractions: int
    agencies: int
    by_target: tuple[TargetAmendments, ...]
    by_agency: tuple[AgencyAmendments, ...]


@dataclass(frozen=True)
class Trend:
    """The national completion of each target at each month end (None: no figure yet)."""

    days: tuple[date, ...]
    completion: dict[str, tuple[float | None, ...]]


@dataclass(frozen=True)
class Report:
    """Everything one report says, for one period and one cut-off."""

    period: Period
    as_of: date
    previous_period: Period
    previous_as_of: date
    cutoff: Cutoff
    targets: tuple[TargetLine, ...]
    late: tuple[LateTask, ...]
    provinces: tuple[Standing, ...]
    ministries: tuple[Standing, ...]
    expected: int
    silent: tuple[str, ...]
    rejections: dict[str, int]
    # The most recent corrections and retractions of the period, newest first (at most
    # services.report.amendments.MAX_LISTED); the summary counts all of them.
    amendments: tuple[Amendment, ...]
    amendment_summary: AmendmentSummary
    trend: Trend
    distribution: dict[str, dict[str, int]]

    @property
    def rejected(self) -> int:
        """Rejected events attributed to the period, all reasons together."""
        return sum(self.rejections.values())


def plain(value: Any) -> Any:
    """JSON-ready form of the model: dataclasses as objects, periods as their code, days
    and instants in ISO form, tuples as lists. Equal models give equal values."""
    if isinstance(value, Period):
        return value.code
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
