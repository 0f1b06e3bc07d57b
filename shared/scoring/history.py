"""The fold: every ledger entry, grouped by agency × target and kept column by column,
and the figures (one point per observed day) each agency × target's entries leave."""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from shared.scoring.entries import AMENDING, Entry
from shared.scoring.figures import Count, Fig, Milestone, Ratio


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
        # last of its day, whatever came before: what replay_points would give, without
        # replaying the key's whole history for every entry.
        put_newest(self._points, entry)
        return True

    def points(self, upto: int | None = None) -> list[Point]:
        """One point per observed day (the day's last figure), oldest first."""
        if upto is None or not self._seqs or upto >= self._seqs[-1]:
            if self._points is None:
                self._points = self._replay(len(self._seqs))
            return self._points
        return self._replay(bisect.bisect_right(self._seqs, upto))

    def _replay(self, n: int) -> list[Point]:
        """What :func:`replay_points` gives for the first ``n`` entries, read from the columns:
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


def put_newest(points: list[Point], entry: Entry) -> bool:
    """Put the newest entry of a key (by ledger position) into its day-ordered points: it
    is the last figure of its day, so it replaces that day's point or becomes a new one.
    True when it added a day."""
    j = bisect.bisect_left(points, entry.observed_at, key=point_day)
    point = Point(entry.observed_at, entry.figure, entry.seq, entry.agency_id, entry.event_id)
    if j < len(points) and points[j].on == entry.observed_at:
        points[j] = point
        return False
    points.insert(j, point)
    return True


def point_day(p: Point) -> date:
    """The day of a point: the key a day-ordered series is searched by."""
    return p.on


def replay_points(entries: list[Entry]) -> list[Point]:
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
        """The points of one agency × target (its own, nothing rolled up) as of ``upto``."""
        history = self.keys.get((agency_id, target_id))
        return [] if history is None else history.points(upto)

    def entries(self) -> Iterator[Entry]:
        """Every applied entry, one agency × target after another."""
        for history in self.keys.values():
            yield from history.entries
