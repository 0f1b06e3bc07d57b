"""The scorer's pure core: the fold over ledger entries and everything computed from it.

No SQL and no Kafka here. The worker, `scorer rebuild` and the as-of queries all feed
ledger entries into a :class:`Fold` and ask a :class:`Projector` for the figures on a day,
so the incremental projections, a rebuild and an as-of query share one code path.

Semantics (design.md §4; the choices the design leaves open are documented here)
--------------------------------------------------------------------------------
Value of an agency × target on day *d* (as of ledger position *N*)
    The latest observation with ``observed_at <= d`` among the entries with ``seq <= N``;
    ties on ``observed_at`` go to ledger order. Entries are replayed in ``seq`` order per
    agency × target, whatever order they arrived in, so a late event (``observed_at``
    earlier than the latest figure) is placed by ``observed_at``, not by arrival.
Corrections
    A correction takes the place of the event it amends (following chains: a correction
    of a correction replaces the correction): the amended figure disappears and the
    correction's figure stands at the correction's ``observed_at``; for ties it keeps the
    ledger position of the original, so it does not jump ahead of a later same-day figure.
Retractions
    A retraction removes the amended event (or whatever correction replaced it); a later
    correction of a removed event changes nothing.
Reorganisations
    On a day *d* after a merger, the successor's history before the merger rolls up from
    its predecessors: at every day a predecessor reported, the successor's figure is
    Σ numerators ÷ Σ denominators (ratio) or Σ counts (count) of each predecessor's latest
    figure, never an average of percentages; a milestone is done only when every
    predecessor has reported it done. A predecessor that has reported nothing yet is left
    out of the sums. Predecessors' own predecessors roll up the same way (recursively).
    Before the merger day the predecessors are listed themselves and the successor does
    not exist. Ministries (01/03/2025) and provinces (01/07/2025) follow the same rule.
Completion
    ``min(1, value / target_value)`` (``target_value / value`` for a lower-is-better
    target); 1 or 0 for a milestone. For a national-scope target (the target value is a
    national total, e.g. 76 essential services) an agency's completion is its contribution
    to the national target and its status is the national status (see below).
Status on day *d*, first rule that holds
    1. ``met``      — the latest figure reaches the target (completion = 1), however old;
    2. ``overdue``  — *d* is after the deadline;
    3. ``no_data``  — nothing observed in the reporting interval, i.e. the latest
       ``observed_at`` is more than 35 days before *d* (monthly reporting + 5 days' grace),
       or nothing at all;
    4. milestone not done: ``at_risk`` within 30 days of the deadline, else ``on_track``;
    5. ratio / count: the straight line through the last two observations (on different
       days) is extrapolated to the deadline: ``on_track`` if it reaches the target,
       ``at_risk`` if not. A single observation gives no trend: ``at_risk``.
National figure on day *d*
    Over the applicable agencies that exist on *d* (each with its rolled-up history):
    ratio = Σ numerators ÷ Σ denominators, count = Σ counts, milestone = share of the
    applicable agencies done. Its completion is against the target value, except for a
    count each agency must reach on its own (200 procedures per province), where the
    national goal is that count × the applicable agencies. Its status follows the same
    rules applied to the national series (a point on every day any agency reported).
Composite score and rank
    The weighted mean (catalogue weights) of an agency's completion over the agency-scope
    targets that apply to it (no figure counts as 0), in points out of 100; ranked among
    the agencies of the same kind (ministries; provinces) existing on *d*, highest first,
    equal scores sharing a rank (1, 2, 2, 4).
Deadline warnings
    For every agency × target not ``met`` on *d*: ``30d``, ``7d`` or ``1d`` when the
    deadline is at most that many days away (the tightest one reached), ``overdue`` once it
    has passed. The store keeps one alert per agency, target and threshold.

Arithmetic is exact (``Fraction``) and converted to ``float`` only for output, so two
computations over the same entries give bit-identical rows.
"""

from __future__ import annotations

import bisect
import json
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Any, Protocol

from shared.domain.agencies import Agency, agencies_on, get_agency
from shared.domain.catalogue import Target, TargetKind, TargetScope, catalogue_on, target_applies_to

REPORTING_INTERVAL_DAYS = 35
MILESTONE_AT_RISK_DAYS = 30
ALERT_THRESHOLDS = (30, 7, 1)
OVERDUE = "overdue"


class Status(StrEnum):
    """The status of an agency × target (or of a national figure) on a day."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OVERDUE = "overdue"
    NO_DATA = "no_data"


STATUS_VI = {
    Status.MET: "đạt",
    Status.ON_TRACK: "đúng tiến độ",
    Status.AT_RISK: "có nguy cơ chậm",
    Status.OVERDUE: "quá hạn",
    Status.NO_DATA: "chưa có số liệu",
}


# ---- figures ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ratio:
    num: int
    den: int


@dataclass(frozen=True, slots=True)
class Count:
    n: int


@dataclass(frozen=True, slots=True)
class Milestone:
    done: bool
    done_on: date | None = None


Fig = Ratio | Count | Milestone
_KIND_OF_FIG = {Ratio: TargetKind.RATIO, Count: TargetKind.COUNT, Milestone: TargetKind.MILESTONE}


class MalformedEntry(ValueError):
    """A ledger message or row the scorer cannot read."""


def figure_from_json(obj: dict[str, Any] | None) -> Fig | None:
    """The figure of an event as the contract writes it (``{"type": "ratio", ...}``)."""
    if obj is None:
        return None
    try:
        kind = obj["type"]
        if kind == "ratio":
            num, den = obj["numerator"], obj["denominator"]
            if type(num) is not int or type(den) is not int or den <= 0 or not 0 <= num:
                raise MalformedEntry(f"bad ratio figure {obj!r}")
            return Ratio(num, den)
        if kind == "count":
            n = obj["count"]
            if type(n) is not int or n < 0:
                raise MalformedEntry(f"bad count figure {obj!r}")
            return Count(n)
        if kind == "milestone":
            done_on = obj.get("done_on")
            return Milestone(bool(obj["done"]), date.fromisoformat(done_on) if done_on else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEntry(f"bad figure {obj!r}: {exc}") from None
    raise MalformedEntry(f"unknown figure type in {obj!r}")


def figure_to_json(fig: Fig | None) -> str | None:
    """Compact JSON of a figure, in the contract's form (for the scorer's own store)."""
    if fig is None:
        return None
    if isinstance(fig, Ratio):
        obj: dict[str, Any] = {"type": "ratio", "numerator": fig.num, "denominator": fig.den}
    elif isinstance(fig, Count):
        obj = {"type": "count", "count": fig.n}
    else:
        obj = {"type": "milestone", "done": fig.done}
        if fig.done_on is not None:
            obj["done_on"] = fig.done_on.isoformat()
    return json.dumps(obj, separators=(",", ":"))


# ---- ledger entries -----------------------------------------------------------------------
AMENDING = ("correction", "retraction")


@dataclass(frozen=True, slots=True)
class Entry:
    """What the scorer needs of one ledger entry."""

    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    target_id: str
    kind: str
    observed_at: date
    amends: str | None
    figure: Fig | None


_KINDS = {k: k for k in ("measurement", "milestone", *AMENDING)}


@lru_cache(maxsize=4096)
def _day(text: str) -> date:
    return date.fromisoformat(text)


def entry_from_event(seq: int, agency_id: str, chain_pos: int, event: dict[str, Any]) -> Entry:
    """An entry from the ledger fields and the recorded event (decoded JSON)."""
    try:
        kind = _KINDS.get(event["kind"])
        if kind is None:
            raise MalformedEntry(f"unknown event kind {event['kind']!r}")
        # The fold keeps every entry: one shared object per agency id, target id, kind
        # and day instead of a fresh copy per entry keeps its memory per entry small.
        entry = Entry(
            seq=int(seq), agency_id=sys.intern(str(agency_id)), chain_pos=int(chain_pos),
            event_id=str(event["event_id"]), target_id=sys.intern(str(event["target_id"])), kind=kind,
            observed_at=_day(event["observed_at"]), amends=event.get("amends"),
            figure=figure_from_json(event.get("figure")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, MalformedEntry):
            raise
        raise MalformedEntry(f"ledger entry seq={seq}: {exc!r}") from None
    if (entry.kind in AMENDING) != (entry.amends is not None):
        raise MalformedEntry(f"ledger entry seq={seq}: {kind} with amends={entry.amends!r}")
    if entry.kind != "retraction" and entry.figure is None:
        raise MalformedEntry(f"ledger entry seq={seq}: a {kind} without a figure")
    return entry


def entry_from_ledger_message(value: bytes | None) -> Entry:
    """Decode a ledger-topic message: ``{"seq", "agency_id", "chain_pos", ..., "event"}``."""
    try:
        msg = json.loads(value or b"")
        return entry_from_event(msg["seq"], msg["agency_id"], msg["chain_pos"], msg["event"])
    except MalformedEntry:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedEntry(f"not a ledger message: {exc!r}") from None


def entry_from_payload(seq: int, agency_id: str, chain_pos: int, payload: str) -> Entry:
    """An entry from a ledger row (``payload`` is the event's JSON as recorded)."""
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise MalformedEntry(f"ledger entry seq={seq}: payload is not JSON ({exc})") from None
    return entry_from_event(seq, agency_id, chain_pos, event)


# ---- the fold -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Point:
    """A figure on a day: the latest observation of that day, or a roll-up."""

    on: date
    fig: Fig
    seq: int
    agency_id: str
    event_id: str
    rolled_up: bool = False


_KIND_NAMES = ("measurement", "milestone", "correction", "retraction")
_KIND_CODES = {name: i for i, name in enumerate(_KIND_NAMES)}
_CORRECTION, _RETRACTION = _KIND_CODES["correction"], _KIND_CODES["retraction"]


def _pack(fig: Fig | None) -> tuple[int, int, int]:
    """A figure as three integers: its shape (0 none, 1 ratio, 2 count, 3 milestone) and two values."""
    if fig is None:
        return 0, 0, 0
    if isinstance(fig, Ratio):
        return 1, fig.num, fig.den
    if isinstance(fig, Count):
        return 2, fig.n, 0
    return 3, int(fig.done), fig.done_on.toordinal() if fig.done_on is not None else 0


def _unpack(shape: int, a: int, b: int) -> Fig | None:
    if shape == 1:
        return Ratio(a, b)
    if shape == 2:
        return Count(a)
    if shape == 3:
        return Milestone(bool(a), _ordinal_day(b) if b else None)
    return None


@lru_cache(maxsize=8192)
def _ordinal_day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


class KeyHistory:
    """Every entry of one agency × target, in ledger order, and the figures they leave.

    The fold keeps every entry of the ledger, so the entries are stored column by column
    (arrays of machine integers, the event ids end to end in one buffer, amends by seq)
    at about a quarter of the memory of one object per entry; :attr:`entries` rebuilds
    the objects when a whole replay needs them (an amendment, the first evaluation, a
    rebuild)."""

    __slots__ = ("agency_id", "target_id", "_seqs", "_chain", "_days", "_codes", "_a", "_b", "_ids", "_id_ends",
                 "_amends", "_points")

    def __init__(self, agency_id: str, target_id: str) -> None:
        self.agency_id = agency_id
        self.target_id = target_id
        self._seqs = array("q")
        self._chain = array("q")
        self._days = array("l")
        self._codes = bytearray()  # kind × 4 + figure shape
        self._a = array("q")
        self._b = array("q")
        self._ids = bytearray()  # the event ids in UTF-8, end to end
        self._id_ends = array("q")  # where each entry's id ends in _ids
        self._amends: dict[int, str] = {}  # seq → amended event id (corrections and retractions only)
        self._points: list[Point] | None = None

    def __len__(self) -> int:
        return len(self._seqs)

    def __contains__(self, seq: int) -> bool:
        i = bisect.bisect_left(self._seqs, seq)
        return i < len(self._seqs) and self._seqs[i] == seq

    @property
    def entries(self) -> list[Entry]:
        """The entries, in ledger order."""
        return [self._entry(i) for i in range(len(self._seqs))]

    def _entry(self, i: int) -> Entry:
        code, seq = self._codes[i], self._seqs[i]
        start = self._id_ends[i - 1] if i else 0
        event_id = self._ids[start:self._id_ends[i]].decode("utf-8")
        return Entry(seq, self.agency_id, self._chain[i], event_id, self.target_id, _KIND_NAMES[code >> 2],
                     _ordinal_day(self._days[i]), self._amends.get(seq), _unpack(code & 3, self._a[i], self._b[i]))

    def add(self, entry: Entry) -> bool:
        """Record ``entry``; False when an entry with its seq is recorded already."""
        seqs = self._seqs
        i = len(seqs)
        if i and entry.seq <= seqs[-1]:
            i = bisect.bisect_left(seqs, entry.seq)
            if seqs[i] == entry.seq:
                return False
        shape, a, b = _pack(entry.figure)
        for column, value in ((seqs, entry.seq), (self._chain, entry.chain_pos),
                              (self._days, entry.observed_at.toordinal()), (self._a, a), (self._b, b)):
            column.insert(i, value)
        self._codes.insert(i, _KIND_CODES[entry.kind] << 2 | shape)
        event_id = entry.event_id.encode("utf-8")
        ends = self._id_ends
        start = ends[i - 1] if i else 0
        self._ids[start:start] = event_id
        for j in range(i, len(ends)):  # only when an entry arrives out of ledger order
            ends[j] += len(event_id)
        ends.insert(i, start + len(event_id))
        if entry.amends is not None:
            self._amends[entry.seq] = entry.amends
        if i < len(seqs) - 1 or self._points is None or entry.kind in AMENDING:
            self._points = None
            return True
        # The newest new figure (event ids are unique per agency in the ledger) is the
        # last of its day, whatever came before: what _replay would give, without
        # replaying the key's whole history for every entry.
        points = self._points
        j = bisect.bisect_left(points, entry.observed_at, key=_point_day)
        point = Point(entry.observed_at, entry.figure, entry.seq, entry.agency_id, entry.event_id)
        if j < len(points) and points[j].on == entry.observed_at:
            points[j] = point
        else:
            points.insert(j, point)
        return True

    def points(self, upto: int | None = None) -> list[Point]:
        """One point per observed day (the day's last figure), oldest first."""
        if upto is None or not self._seqs or upto >= self._seqs[-1]:
            if self._points is None:
                self._points = self._replay(len(self._seqs))
            return self._points
        return self._replay(bisect.bisect_right(self._seqs, upto))

    def _replay(self, n: int) -> list[Point]:
        """What :func:`_replay` gives for the first ``n`` entries, read from the columns:
        an amendment replays the key's whole history, so building an Entry (a date, a
        figure) per entry made every batch's cost grow with the ledger; here only each
        day's surviving entry becomes a Point."""
        seqs, codes, ends, ids, amends = self._seqs, self._codes, self._id_ends, self._ids, self._amends
        live: dict[str, tuple[int, int]] = {}  # event id -> (tie-break order, entry index)
        alias: dict[str, str] = {}  # amended event id -> the event that replaced it
        removed: set[str] = set()
        start = 0
        for i in range(n):
            end = ends[i]
            event_id = ids[start:end].decode("utf-8")
            start = end
            kind = codes[i] >> 2
            if kind >= _CORRECTION:
                root = amends[seqs[i]]
                while root in alias:
                    root = alias[root]
                if kind == _RETRACTION:
                    live.pop(root, None)
                    removed.add(root)
                    continue
                if root in removed:
                    continue
                replaced = live.pop(root, None)
                order = replaced[0] if replaced is not None else seqs[i]
                alias[root] = event_id
            else:
                order = seqs[i]
            live[event_id] = (order, i)
        days = self._days
        winners: dict[int, tuple[int, int, str]] = {}  # day -> (order, index, event id) of its last figure
        for event_id, (order, i) in live.items():
            day = days[i]
            best = winners.get(day)
            if best is None or order > best[0]:
                winners[day] = (order, i, event_id)
        return [Point(_ordinal_day(day), _unpack(codes[i] & 3, self._a[i], self._b[i]), seqs[i], self.agency_id,
                      event_id)
                for day, (_, i, event_id) in sorted(winners.items())]


def _point_day(p: Point) -> date:
    return p.on


def _replay(entries: list[Entry]) -> list[Point]:
    """The points a key's entries (in ledger order) leave: one per observed day, the
    figure of the day's latest original event as amended. The readable statement of what
    KeyHistory._replay computes from its columns (the tests hold one to the other)."""
    live: dict[str, tuple[int, Point]] = {}  # event id -> (tie-break order, point)
    alias: dict[str, str] = {}  # amended event id -> the event that replaced it
    removed: set[str] = set()

    def resolve(event_id: str) -> str:
        while event_id in alias:
            event_id = alias[event_id]
        return event_id

    for e in entries:
        if e.kind in AMENDING:
            root = resolve(e.amends)
            if e.kind == "retraction":
                if root in live:
                    del live[root]
                removed.add(root)
                continue
            if root in removed:
                continue
            order = live.pop(root)[0] if root in live else e.seq
            alias[root] = e.event_id
        else:
            order = e.seq
        live[e.event_id] = (order, Point(e.observed_at, e.figure, e.seq, e.agency_id, e.event_id))
    ordered = sorted(live.values(), key=lambda op: (op[1].on, op[0]))
    points: list[Point] = []
    for _, p in ordered:
        if points and points[-1].on == p.on:
            points[-1] = p
        else:
            points.append(p)
    return points


class Fold:
    """The scorer's state: every applied ledger entry, grouped by agency × target.

    ``apply`` is idempotent (an entry is identified by its ledger ``seq``), and the state
    depends only on the set of entries applied, never on the order they came in."""

    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], KeyHistory] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def apply(self, entry: Entry) -> bool:
        """Add one entry; False (and nothing changes) when it was applied already."""
        key = (entry.agency_id, entry.target_id)
        history = self.keys.get(key)
        if history is None:
            history = self.keys[key] = KeyHistory(entry.agency_id, entry.target_id)
        if not history.add(entry):
            return False
        self._count += 1
        return True

    def has(self, agency_id: str, target_id: str, seq: int) -> bool:
        """Whether the entry with ``seq`` (of this agency × target) is applied."""
        history = self.keys.get((agency_id, target_id))
        return history is not None and seq in history

    def apply_all(self, entries: Iterable[Entry]) -> set[tuple[str, str]]:
        """Apply many; the agency × target keys that changed."""
        return {(e.agency_id, e.target_id) for e in entries if self.apply(e)}

    def points(self, agency_id: str, target_id: str, upto: int | None = None) -> list[Point]:
        history = self.keys.get((agency_id, target_id))
        return [] if history is None else history.points(upto)

    def entries(self) -> Iterator[Entry]:
        for history in self.keys.values():
            yield from history.entries


# ---- the catalogue and the registry, as the scorer sees them -----------------------------
class World(Protocol):
    """Targets and agencies on a day (the domain modules, or a fake in tests)."""

    def targets_on(self, day: date) -> dict[str, Target]: ...

    def agencies_on(self, day: date) -> list[Agency]: ...

    def agency(self, agency_id: str) -> Agency: ...

    def applies(self, target: Target, agency_id: str) -> bool: ...


class DomainWorld:
    """The real catalogue and registry, with the look-ups the scorer repeats cached."""

    def __init__(self) -> None:
        self.targets_on = lru_cache(maxsize=64)(catalogue_on)
        self.agencies_on = lru_cache(maxsize=64)(agencies_on)
        self.agency = lru_cache(maxsize=None)(get_agency)
        self._applies = lru_cache(maxsize=None)(self._applies_uncached)

    def _applies_uncached(self, applies_to: frozenset[str], agency_id: str) -> bool:
        probe = _AppliesProbe(applies_to)
        return target_applies_to(probe, self.agency(agency_id))  # type: ignore[arg-type]

    def applies(self, target: Target, agency_id: str) -> bool:
        return self._applies(target.applies_to, agency_id)


@dataclass(frozen=True)
class _AppliesProbe:
    applies_to: frozenset[str]


def successors_chain(world: World, agency_id: str) -> list[str]:
    """The agencies that carry ``agency_id``'s history, nearest first."""
    out = []
    agency = world.agency(agency_id)
    while agency.successor is not None:
        out.append(agency.successor)
        agency = world.agency(agency.successor)
    return out


# ---- projection rows ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CellRow:
    """agency_target_values: one agency × target on ``evaluated_on``."""

    agency_id: str
    target_id: str
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    status: str
    observed_at: date | None
    source_seq: int | None
    source_agency_id: str | None
    source_event_id: str | None
    rolled_up: bool
    projected: float | None
    evaluated_on: date


@dataclass(frozen=True, slots=True)
class NationalRow:
    """national_figures: one target on ``evaluated_on``."""

    target_id: str
    value: float | None
    numerator: int | None
    denominator: int | None
    completion: float | None
    status: str
    projected: float | None
    agencies: int
    reporting: int
    met: int
    on_track: int
    at_risk: int
    overdue: int
    no_data: int
    evaluated_on: date


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """agency_scores: one agency's composite score and rank on ``evaluated_on``."""

    agency_id: str
    kind: str
    score: float
    rank: int
    peers: int
    targets: int
    evaluated_on: date


def row_dict(row) -> dict[str, Any]:
    """A row as a plain dict (column name → value)."""
    return {f.name: getattr(row, f.name) for f in fields(row)}


@dataclass
class Projections:
    """Everything the scorer projects for one day."""

    on: date
    cells: dict[tuple[str, str], CellRow] = field(default_factory=dict)
    national: dict[str, NationalRow] = field(default_factory=dict)
    scores: dict[str, ScoreRow] = field(default_factory=dict)

    def copy(self) -> Projections:
        return Projections(self.on, dict(self.cells), dict(self.national), dict(self.scores))

    def as_rows(self) -> dict[str, list[dict[str, Any]]]:
        """Table name → rows, sorted by key (what the projection tables hold)."""
        return {
            "agency_target_values": [row_dict(self.cells[k]) for k in sorted(self.cells)],
            "national_figures": [row_dict(self.national[k]) for k in sorted(self.national)],
            "agency_scores": [row_dict(self.scores[k]) for k in sorted(self.scores)],
        }


@dataclass(frozen=True)
class Change:
    """Rows to write and keys to delete, per table."""

    upserts: dict[str, list[Any]]
    deletes: dict[str, list[tuple]]

    def __bool__(self) -> bool:
        return any(self.upserts.values()) or any(self.deletes.values())


def diff(old: Projections | None, new: Projections) -> Change:
    """What turns the stored projections ``old`` into ``new``."""
    upserts: dict[str, list[Any]] = {}
    deletes: dict[str, list[tuple]] = {}
    for table, attr in (("agency_target_values", "cells"), ("national_figures", "national"), ("agency_scores", "scores")):
        before = getattr(old, attr) if old is not None else {}
        after = getattr(new, attr)
        upserts[table] = [row for k, row in after.items() if before.get(k) != row]
        deletes[table] = [k if isinstance(k, tuple) else (k,) for k in before if k not in after]
    return Change(upserts, deletes)


@dataclass(frozen=True, slots=True)
class AlertDue:
    """A deadline warning due on ``evaluated_on``."""

    agency_id: str
    target_id: str
    threshold: str
    deadline: date
    evaluated_on: date
    status: str
    completion: float | None

    @property
    def alert_id(self) -> str:
        return f"{self.agency_id}:{self.target_id}:{self.threshold}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.agency_id, self.target_id, self.threshold)


def alert_threshold(deadline: date, on: date) -> str | None:
    """The tightest warning threshold reached on ``on`` ("30d", "7d", "1d", "overdue")."""
    days_left = (deadline - on).days
    if days_left < 0:
        return OVERDUE
    reached = [t for t in ALERT_THRESHOLDS if days_left <= t]
    return f"{min(reached)}d" if reached else None


def alerts_due(cells: Iterable[CellRow], targets: dict[str, Target]) -> list[AlertDue]:
    """The warnings the given cells call for on their evaluation day."""
    out = []
    for c in cells:
        if c.status == Status.MET:
            continue
        target = targets.get(c.target_id)
        if target is None:
            continue
        threshold = alert_threshold(target.deadline, c.evaluated_on)
        if threshold is not None:
            out.append(AlertDue(c.agency_id, c.target_id, threshold, target.deadline, c.evaluated_on,
                                c.status, c.completion))
    return out


# ---- evaluation ---------------------------------------------------------------------------
@lru_cache(maxsize=1024)  # a few target values, converted for every cell of every batch
def _exact(x: int | float) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _fig_kind(fig: Fig) -> TargetKind:
    return _KIND_OF_FIG[type(fig)]


def _magnitude(fig: Fig) -> Fraction:
    if isinstance(fig, Ratio):
        return Fraction(fig.num, fig.den)
    if isinstance(fig, Count):
        return Fraction(fig.n)
    return Fraction(1 if fig.done else 0)


def completion_of(magnitude: Fraction, target_value: Fraction, higher_is_better: bool = True) -> Fraction:
    """min(1, value ÷ target) (or target ÷ value for a lower-is-better target)."""
    if higher_is_better:
        raw = magnitude / target_value
    else:
        raw = Fraction(1) if magnitude == 0 else target_value / magnitude
    return min(Fraction(1), raw)


def _raw_completion(magnitude: Fraction, target_value: Fraction, higher_is_better: bool) -> Fraction:
    if higher_is_better:
        return magnitude / target_value
    return Fraction(10**9) if magnitude == 0 else target_value / magnitude


def judge(points: list[Point], target: Target, on: date, *, milestone_rule: bool,
          goal: Fraction | None = None) -> tuple[Status, Fraction | None]:
    """The status on ``on`` of a series (oldest first; all observed on or before ``on``),
    and the completion projected to the deadline where a trend was used. ``goal``
    replaces the target value (a national total)."""
    tv = _exact(target.target_value) if goal is None else goal
    last = points[-1] if points else None
    if last is not None and completion_of(_magnitude(last.fig), tv, target.higher_is_better) >= 1:
        return Status.MET, None
    if on > target.deadline:
        return Status.OVERDUE, None
    if last is None or (on - last.on).days > REPORTING_INTERVAL_DAYS:
        return Status.NO_DATA, None
    if milestone_rule:
        at_risk = (target.deadline - on).days <= MILESTONE_AT_RISK_DAYS
        return (Status.AT_RISK if at_risk else Status.ON_TRACK), None
    if len(points) < 2:
        return Status.AT_RISK, None
    prev = points[-2]
    c_last = _raw_completion(_magnitude(last.fig), tv, target.higher_is_better)
    c_prev = _raw_completion(_magnitude(prev.fig), tv, target.higher_is_better)
    slope = (c_last - c_prev) / (last.on - prev.on).days
    projected = c_last + slope * (target.deadline - last.on).days
    return (Status.ON_TRACK if projected >= 1 else Status.AT_RISK), projected


class Totals:
    """Running sums over the series a sweep currently counts."""

    __slots__ = ("num", "den", "n", "present", "done")

    def __init__(self) -> None:
        self.num = self.den = self.n = self.present = self.done = 0

    def add(self, fig: Fig, sign: int) -> None:
        self.present += sign
        if isinstance(fig, Ratio):
            self.num += sign * fig.num
            self.den += sign * fig.den
        elif isinstance(fig, Count):
            self.n += sign * fig.n
        elif fig.done:
            self.done += sign


def sweep_tail(series: list[tuple[list[Point], date | None]], make, count: int = 2) -> list[Point]:
    """The last ``count`` points :func:`sweep` gives, found with a binary search per series
    on each of those days instead of a walk through every point. Only the last ``count``
    points of each series (up to its end day) matter, so the series may be cut to those:
    a figure and its status need no more than the last two points of a series."""
    cut: list[tuple[list[Point], date | None]] = []
    days: set[date] = set()
    for points, until in series:
        if until is not None:
            points = points[:bisect.bisect_right(points, until, key=_point_day)]
        cut.append((points, until))
        days.update(p.on for p in points[-count:])  # a series has one point per day
    out: list[Point] = []
    for day in sorted(days)[-count:]:
        totals = Totals()
        current: dict[int, Point] = {}
        source = None
        for i, (points, until) in enumerate(cut):
            if until is not None and until < day:
                continue  # ended before the day: no longer counted
            j = bisect.bisect_right(points, day, key=_point_day)
            if j:
                p = current[i] = points[j - 1]
                totals.add(p.fig, 1)
                if p.on == day and (source is None or p.seq >= source.seq):
                    source = p  # sweep's order within a day: by seq, then series index
        fig = make(day, totals, current)
        if fig is not None:
            out.append(Point(day, fig, source.seq, source.agency_id, source.event_id, True))
    return out


def sweep(series: list[tuple[list[Point], date | None]], make) -> list[Point]:
    """Points on every day any series has one. ``make(day, totals, current)`` returns the
    figure of the day from the running totals over each series' latest point so far
    (``current``: series index → point; a series with an end day stops counting after it)."""
    events = sorted(
        ((p.on, p.seq, i, p) for i, (points, until) in enumerate(series) for p in points
         if until is None or p.on <= until),
        key=lambda t: t[:3],
    )
    endings = sorted((until, i) for i, (_, until) in enumerate(series) if until is not None)
    current: dict[int, Point] = {}
    totals = Totals()
    out: list[Point] = []
    j = k = 0
    while j < len(events):
        day = events[j][0]
        source = events[j][3]
        while k < len(endings) and endings[k][0] < day:
            gone = current.pop(endings[k][1], None)
            if gone is not None:
                totals.add(gone.fig, -1)
            k += 1
        while j < len(events) and events[j][0] == day:
            _, _, i, p = events[j]
            old = current.get(i)
            if old is not None:
                totals.add(old.fig, -1)
            current[i] = p
            totals.add(p.fig, 1)
            source = p  # sorted by seq within the day: the last one is the newest entry
            j += 1
        fig = make(day, totals, current)
        if fig is not None:
            out.append(Point(day, fig, source.seq, source.agency_id, source.event_id, True))
    return out


def _roll_up(kind: TargetKind, merged: list[tuple[str, date]]):
    """How a successor's figure on a day comes from its own and its predecessors' (series
    0 is its own, the others its predecessors ending on their ``until`` days)."""

    def combine(day: date, totals: Totals, current: dict[int, Point]) -> Fig:
        if kind is TargetKind.RATIO:
            return Ratio(totals.num, totals.den)
        if kind is TargetKind.COUNT:
            return Count(totals.n)
        # Done only when every predecessor still counted (and the successor itself,
        # if it reported) has a figure, and all of them say done.
        expected = sum(1 for _, until in merged if day <= until) + (1 if 0 in current else 0)
        return Milestone(totals.present == expected and totals.done == totals.present)

    return combine


@dataclass(frozen=True)
class NationalFigure:
    """The end of a target's national series and what it says on the evaluation day."""

    target_id: str
    points: list[Point]  # the series' last two points: all its value and status depend on
    agencies: list[str]
    status: Status
    projected: Fraction | None


class Evaluator:
    """Figures on one day, as of one ledger position (None: everything applied)."""

    def __init__(self, fold: Fold, world: World, on: date, upto: int | None = None) -> None:
        self.fold = fold
        self.world = world
        self.on = on
        self.upto = upto
        self.targets = world.targets_on(on)
        self.agencies = {a.id: a for a in world.agencies_on(on)}
        self._timelines: dict[tuple[str, str], list[Point]] = {}
        self._tails: dict[tuple[str, str], list[Point]] = {}
        self._national: dict[str, NationalFigure] = {}

    # -- series ---------------------------------------------------------------------------
    def applicable(self, target: Target) -> list[str]:
        """Agencies existing on the day that the target applies to, in registry order."""
        return [a for a in self.agencies if self.world.applies(target, a)]

    def timeline(self, agency_id: str, target: Target) -> list[Point]:
        """The agency's series for the target up to the day, predecessors rolled up."""
        key = (agency_id, target.id)
        cached = self._timelines.get(key)
        if cached is not None:
            return cached
        on = self.on
        kind = target.kind
        own = [p for p in self.fold.points(agency_id, target.id, self.upto)
               if p.on <= on and _fig_kind(p.fig) is kind]
        result = self._with_predecessors(agency_id, target, own, self.timeline, sweep)
        self._timelines[key] = result
        return result

    def tail(self, agency_id: str, target: Target) -> list[Point]:
        """The last two points of :meth:`timeline`, all a figure and its status depend on,
        found without building the series: the cost of a figure does not grow with the
        history behind it."""
        key = (agency_id, target.id)
        cached = self._tails.get(key)
        if cached is not None:
            return cached
        kind = target.kind
        points = self.fold.points(agency_id, target.id, self.upto)
        own: list[Point] = []
        j = bisect.bisect_right(points, self.on, key=_point_day)
        while j and len(own) < 2:
            j -= 1
            if _fig_kind(points[j].fig) is kind:
                own.insert(0, points[j])
        result = self._with_predecessors(agency_id, target, own, self.tail, sweep_tail)
        self._tails[key] = result
        return result

    def _with_predecessors(self, agency_id: str, target: Target, own: list[Point], series_of, sweeper) -> list[Point]:
        """``own`` (the agency's own points) rolled up with the series of its predecessors
        that had ended by the day: ``series_of(pid, target)`` gives a predecessor's series,
        ``sweeper`` combines them (:func:`sweep` for whole series, :func:`sweep_tail` for
        their last points)."""
        merged = self._merged(agency_id)
        if not merged:
            return own
        series = [(own, None)] + [(series_of(pid, target), until) for pid, until in merged]
        last_merger = max(until for _, until in merged)
        own_on = {p.on: p for p in own}
        # After the last merger only the successor's own figures remain: keep them as they are.
        return [own_on[p.on] if p.on > last_merger else p for p in sweeper(series, _roll_up(target.kind, merged))]

    def _merged(self, agency_id: str) -> list[tuple[str, date]]:
        """The agency's predecessors that had ended by the day, with their last days."""
        merged = []
        for pid in self.world.agency(agency_id).predecessors:
            until = self.world.agency(pid).valid_to
            if until is not None and until < self.on:
                merged.append((pid, until))
        return merged

    def national_figure(self, target: Target) -> NationalFigure:
        cached = self._national.get(target.id)
        if cached is not None:
            return cached
        agencies = self.applicable(target)
        series = [(self.tail(a, target), None) for a in agencies]
        kind = target.kind
        total = len(agencies)

        def combine(day: date, totals: Totals, current: dict[int, Point]) -> Fig | None:
            if kind is TargetKind.RATIO:
                return Ratio(totals.num, totals.den)
            if kind is TargetKind.COUNT:
                return Count(totals.n)
            return Ratio(totals.done, total) if total else None

        points = sweep_tail(series, combine)
        status, projected = judge(points, target, self.on, milestone_rule=False, goal=national_goal(target, total))
        result = NationalFigure(target.id, points, agencies, status, projected)
        self._national[target.id] = result
        return result

    # -- rows -----------------------------------------------------------------------------
    def cell(self, agency_id: str, target: Target) -> CellRow:
        points = self.tail(agency_id, target)
        last = points[-1] if points else None
        tv = _exact(target.target_value)
        value = numerator = denominator = completion = None
        if last is not None:
            magnitude = _magnitude(last.fig)
            value = float(magnitude)
            if isinstance(last.fig, Ratio):
                numerator, denominator = last.fig.num, last.fig.den
            completion = float(completion_of(magnitude, tv, target.higher_is_better))
        if target.scope is TargetScope.NATIONAL:
            national = self.national_figure(target)
            stale = last is None or (self.on - last.on).days > REPORTING_INTERVAL_DAYS
            status = national.status
            if stale and status not in (Status.MET, Status.OVERDUE):
                status = Status.NO_DATA
            projected = None
        else:
            status, projected = judge(points, target, self.on,
                                      milestone_rule=target.kind is TargetKind.MILESTONE)
        return CellRow(
            agency_id=agency_id, target_id=target.id, value=value, numerator=numerator, denominator=denominator,
            completion=completion, status=status.value, observed_at=last.on if last else None,
            source_seq=last.seq if last else None, source_agency_id=last.agency_id if last else None,
            source_event_id=last.event_id if last else None, rolled_up=bool(last and last.rolled_up),
            projected=None if projected is None else float(projected), evaluated_on=self.on,
        )

    def national_row(self, target: Target, cells: dict[tuple[str, str], CellRow]) -> NationalRow:
        nf = self.national_figure(target)
        last = nf.points[-1] if nf.points else None
        value = numerator = denominator = completion = None
        if last is not None:
            magnitude = _magnitude(last.fig)
            value = float(magnitude)
            if target.kind is not TargetKind.COUNT:
                numerator, denominator = last.fig.num, last.fig.den
            completion = float(completion_of(magnitude, national_goal(target, len(nf.agencies)),
                                             target.higher_is_better))
        counts = {s: 0 for s in Status}
        reporting = 0
        for a in nf.agencies:
            c = cells[(a, target.id)]
            counts[Status(c.status)] += 1
            if c.observed_at is not None and (self.on - c.observed_at).days <= REPORTING_INTERVAL_DAYS:
                reporting += 1
        return NationalRow(
            target_id=target.id, value=value, numerator=numerator, denominator=denominator, completion=completion,
            status=nf.status.value, projected=None if nf.projected is None else float(nf.projected),
            agencies=len(nf.agencies), reporting=reporting, met=counts[Status.MET], on_track=counts[Status.ON_TRACK],
            at_risk=counts[Status.AT_RISK], overdue=counts[Status.OVERDUE], no_data=counts[Status.NO_DATA],
            evaluated_on=self.on,
        )

    def score(self, agency_id: str, cells: dict[tuple[str, str], CellRow]) -> tuple[float, int]:
        """The composite score (0..100) and the number of targets it covers. Computed
        exactly from the stored completions, so it depends on the cells alone."""
        total_w = Fraction(0)
        acc = Fraction(0)
        n = 0
        for target_id in sorted(self.targets):
            target = self.targets[target_id]
            if target.scope is not TargetScope.AGENCY:
                continue
            cell = cells.get((agency_id, target_id))
            if cell is None:
                continue
            w = _exact(target.weight)
            total_w += w
            n += 1
            if cell.completion is not None:
                acc += w * Fraction(cell.completion)
        return (0.0 if total_w == 0 else float(100 * acc / total_w)), n


def national_goal(target: Target, agencies: int) -> Fraction:
    """What the national figure is measured against: the target value, except for a count
    every agency must reach on its own (e.g. 200 procedures per province), where the
    national goal is that count times the number of applicable agencies."""
    tv = _exact(target.target_value)
    if target.kind is TargetKind.COUNT and target.scope is TargetScope.AGENCY:
        return tv * max(agencies, 1)
    return tv


def rank_scores(scores: dict[str, tuple[float, int]], kinds: dict[str, str], on: date) -> dict[str, ScoreRow]:
    """Competition ranking (1, 2, 2, 4) within each kind, highest score first."""
    out: dict[str, ScoreRow] = {}
    by_kind: dict[str, list[str]] = {}
    for agency_id in scores:
        by_kind.setdefault(kinds[agency_id], []).append(agency_id)
    for kind, members in by_kind.items():
        members.sort(key=lambda a: (-scores[a][0], a))
        rank = 0
        previous = None
        for i, a in enumerate(members, start=1):
            if scores[a][0] != previous:
                rank, previous = i, scores[a][0]
            out[a] = ScoreRow(a, kind, scores[a][0], rank, len(members), scores[a][1], on)
    return out


class Projector:
    """Computes projections: all of them for a day, or only what some new entries change."""

    def __init__(self, world: World | None = None) -> None:
        self.world = world or DomainWorld()

    def evaluator(self, fold: Fold, on: date, upto: int | None = None) -> Evaluator:
        return Evaluator(fold, self.world, on, upto)

    def full(self, fold: Fold, on: date, upto: int | None = None) -> Projections:
        """Every figure on ``on`` as of ledger position ``upto`` (None: all applied)."""
        ev = self.evaluator(fold, on, upto)
        proj = Projections(on)
        national_scope = []
        for target in ev.targets.values():
            for agency_id in ev.applicable(target):
                proj.cells[(agency_id, target.id)] = ev.cell(agency_id, target)
            national_scope.append(target)
        for target in national_scope:
            proj.national[target.id] = ev.national_row(target, proj.cells)
        exact = {a: ev.score(a, proj.cells) for a in ev.agencies}
        proj.scores = rank_scores(exact, {a: ev.agencies[a].kind.value for a in ev.agencies}, on)
        return proj

    def update(self, fold: Fold, current: Projections, changed: set[tuple[str, str]]) -> Projections:
        """``current`` (projections of ``fold`` on ``current.on`` before the entries that
        changed the agency × target keys ``changed``) brought up to date."""
        on = current.on
        ev = self.evaluator(fold, on)
        proj = current.copy()
        dirty_targets: dict[str, Target] = {}
        dirty_cells: set[tuple[str, str]] = set()
        for agency_id, target_id in changed:
            target = ev.targets.get(target_id)
            if target is None:
                continue
            try:
                affected = [agency_id, *successors_chain(self.world, agency_id)]
            except KeyError:
                continue  # an agency the registry does not know: nothing to project
            hit = False
            for a in affected:
                if a in ev.agencies and self.world.applies(target, a):
                    dirty_cells.add((a, target_id))
                    hit = True
            if hit:
                dirty_targets[target_id] = target
        for target in dirty_targets.values():
            if target.scope is TargetScope.NATIONAL:
                dirty_cells.update((a, target.id) for a in ev.applicable(target))
        for agency_id, target_id in dirty_cells:
            proj.cells[(agency_id, target_id)] = ev.cell(agency_id, ev.targets[target_id])
        for target in dirty_targets.values():
            proj.national[target.id] = ev.national_row(target, proj.cells)
        dirty_agencies = {a for a, _ in dirty_cells}
        if dirty_agencies:
            kinds = {ev.agencies[a].kind.value for a in dirty_agencies}
            exact = {}
            for a, agency in ev.agencies.items():
                if agency.kind.value not in kinds:
                    continue
                stored = current.scores[a]
                exact[a] = ev.score(a, proj.cells) if a in dirty_agencies else (stored.score, stored.targets)
            proj.scores.update(rank_scores(exact, {a: ev.agencies[a].kind.value for a in exact}, on))
        return proj
