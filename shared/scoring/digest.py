"""The scorer's fold kept flat: per agency × target only the points an evaluation can reach.

A figure and its status on a day depend on the last two points of a series on or before
that day (:meth:`~shared.scoring.evaluation.Evaluator.tail`), so the scorer, which
evaluates only its kept days (the snapshot days and today), needs of each agency × target
no more than the last two points before each of those days, and every point after today
(a day it will evaluate later). The rest is dropped: memory stays proportional to
agencies × targets × kept days, whatever the size of the ledger.

Two more kinds of point are kept because a status reads them (issue 16): the first point
of each key and its figure on the baseline day (where a path starts), and every point
whose figure reaches the target where the one before did not, or the other way round (a
*transition*: the day a task was done, on time or late, is the start of its current run).
Tasks whose target is a national total keep every point: their national series is walked
across agencies. So do the agencies of a merger (the 2025 reorganisations), up to its day:
the successor's series before it pools its predecessors', and the pooled series can reach
the target on a day that is no transition of any one of them. A figure that changes an
earlier day's reaching or not (a correction, a late figure) replays its key whole.

What a dropped point would be needed for — a correction or retraction of an old event, an
entry arriving after a later one of the same agency × target — is handled by replaying
that agency × target from its recorded entries, read on demand through ``replay`` (the
scorer's observations table): a handful of keys per batch.

:class:`Digest` answers ``points(agency_id, target_id)`` like :class:`~shared.scoring.history.Fold`
does, so an :class:`~shared.scoring.evaluation.Evaluator` reads either; its answers agree
with the full fold's on every kept day and every day after today (the property tests hold
one to the other)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol

from shared.scoring.entries import AMENDING, Entry
from shared.scoring.figures import Fig
from shared.scoring.history import Point, point_day, put_newest, replay_points
from shared.scoring.status import BASELINE_DAY

Key = tuple[str, str]


class History(Protocol):
    """The recorded entries of agency × target keys (the scorer's observations table)."""

    def entries_of(self, keys: set[Key]) -> Mapping[Key, list[Entry]]:
        """Every recorded entry of each key, in ledger order."""

    def amended_days_of(self, keys: set[Key]) -> Mapping[Key, list[Entry]]:
        """For each key, in ledger order: its corrections and retractions, the events they
        amend, and every entry observed on a day one of those is observed on."""


class Retention(Protocol):
    """What the catalogue and the registry say about keeping a key's points."""

    def keeps_all(self, target_id: str) -> bool:
        """Whether every point of the target is kept (a national total)."""

    def kept_through(self, agency_id: str) -> date | None:
        """The day up to which every point of the agency is kept (the last merger it is
        part of: a successor's pooled series may cross the target on any of them)."""

    def reaches(self, target_id: str, fig: Fig) -> bool:
        """Whether ``fig`` reaches the target."""


_SLACK = 8  # points a key may gather beyond its bound before it is pruned again


class SeqSet:
    """The ledger positions applied so far, one bit each (125 KB for a million entries)."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count = 0
        self.highest = 0

    def __contains__(self, seq: int) -> bool:
        byte = seq >> 3
        return byte < len(self._bits) and bool(self._bits[byte] >> (seq & 7) & 1)

    def add(self, seq: int) -> bool:
        """Mark ``seq`` applied; False when it was already."""
        byte = seq >> 3
        if byte >= len(self._bits):
            self._bits.extend(bytes(max(byte + 1 - len(self._bits), len(self._bits) // 2)))
        mask = 1 << (seq & 7)
        if self._bits[byte] & mask:
            return False
        self._bits[byte] |= mask
        self.count += 1
        self.highest = max(self.highest, seq)
        return True


class _KeyState:
    __slots__ = ("points", "last_seq", "limit")

    def __init__(self) -> None:
        self.points: list[Point] = []
        self.last_seq = 0
        self.limit = 0  # prune again beyond this many points


class Digest:
    """Each agency × target's points as far as the kept days need them.

    ``days`` are the days evaluated besides ``today`` (snapshot days, all on or before
    today)."""

    def __init__(self, days: Iterable[date], today: date, retention: Retention, slack: int = _SLACK) -> None:
        self.keys: dict[Key, _KeyState] = {}
        self.applied = SeqSet()
        self.retention = retention
        self._slack = slack
        self.retarget(days, today)

    def retarget(self, days: Iterable[date], today: date) -> None:
        """Keep what ``days`` and a (later) ``today`` need from now on. Valid for a today
        on or after the previous one: nothing after the previous today was dropped."""
        self.today = today
        self._bounds = sorted({d for d in (*days, BASELINE_DAY) if d <= today} | {today})
        self._limit = 2 * len(self._bounds) + self._slack
        for key, state in self.keys.items():
            self._prune(key, state)

    def __len__(self) -> int:
        return self.applied.count

    def points(self, agency_id: str, target_id: str, upto: int | None = None) -> list[Point]:
        """The kept points of one agency × target, oldest first (``upto`` must be None:
        the digest holds no earlier ledger positions)."""
        if upto is not None:
            raise ValueError("a digest answers for every entry applied, not for an earlier ledger position")
        state = self.keys.get((agency_id, target_id))
        return [] if state is None else state.points

    def skip(self, seq: int) -> bool:
        """Count a ledger entry that holds no figure for the scorer (malformed) as applied;
        False when it was already."""
        return self.applied.add(seq)

    def apply(self, entries: Iterable[Entry], history: History) -> dict[Key, date]:
        """Apply new entries (ones applied before are ignored); returns each changed agency ×
        target with the first day its points changed on (evaluations of earlier days
        stand). The entries must be recorded in ``history`` already.

        A correction or retraction changes only the days its amendment chain touches: those
        days are replayed from ``history`` (one query for the batch) and spliced in. A day
        that loses its last figure may bring back a point dropped before, and an entry older
        than one applied may land anywhere: those keys are replayed whole (a second query)."""
        changed: dict[Key, date] = {}
        whole: set[Key] = set()
        amended: dict[Key, list[Entry]] = {}  # key -> entries applied after its first amendment here

        def note(key: Key, day: date) -> None:
            first = changed.get(key)
            changed[key] = day if first is None else min(first, day)

        for e in entries:
            if not self.applied.add(e.seq):
                continue
            key = (e.agency_id, e.target_id)
            state = self.keys.get(key)
            if state is None:
                state = self.keys[key] = _KeyState()
            if key in whole or e.seq < state.last_seq:
                whole.add(key)
            elif key in amended or e.kind in AMENDING:
                amended.setdefault(key, []).append(e)
            elif self._disturbs(key, state.points, e.observed_at, e.figure):
                whole.add(key)
            else:
                self._add_newest(key, state, e)
                note(key, e.observed_at)
            state.last_seq = max(state.last_seq, e.seq)
        partial = {k: v for k, v in amended.items() if k not in whole}
        if partial:
            contexts = history.amended_days_of(set(partial))
            for key, later in partial.items():
                context = contexts.get(key, [])
                day = self._splice(key, context)
                if day is False:
                    whole.add(key)
                    continue
                if day is not None:
                    note(key, day)
                # The replay covered its days with every entry recorded on them, this
                # batch's included; on any other day a later figure of this batch is the
                # newest of its day.
                replayed = {e.observed_at for e in context}
                state = self.keys[key]
                for e in later:
                    if e.kind not in AMENDING and e.observed_at not in replayed:
                        if self._disturbs(key, state.points, e.observed_at, e.figure):
                            whole.add(key)
                            break
                        self._add_newest(key, state, e)
                        note(key, e.observed_at)
        if whole:
            histories = history.entries_of(whole)
            for key in whole:
                old = self.keys[key].points
                new = self.load(key, histories.get(key, []))
                day = _first_difference(old, new)
                if day is not None:
                    note(key, day)
        return changed

    def _splice(self, key: Key, context: list[Entry]) -> date | None | bool:
        """Replace the points of the days ``context`` covers (see History.amended_days_of)
        with what replaying it gives. The first day changed (None: none), or False when a
        kept day lost its last figure (the key must be replayed whole)."""
        state = self.keys[key]
        days = {e.observed_at for e in context}
        fresh = [p for p in replay_points(context) if p.on in days]
        fresh_days = {p.on for p in fresh}
        if any(p.on in days and p.on not in fresh_days for p in state.points):
            return False
        old = state.points
        if any(self._disturbs(key, old, p.on, p.fig) for p in fresh):
            return False
        merged = sorted([p for p in old if p.on not in days] + fresh, key=point_day)
        state.points = merged
        if len(merged) > state.limit:
            self._prune(key, state)
        return _first_difference(old, merged)

    def load(self, key: Key, entries: list[Entry]) -> list[Point]:
        """Set one agency × target from every entry recorded for it (ledger order); its kept points."""
        state = self.keys.get(key)
        if state is None:
            state = self.keys[key] = _KeyState()
        for e in entries:
            self.applied.add(e.seq)
        state.last_seq = max([state.last_seq, *(e.seq for e in entries)])
        state.points = replay_points(entries)
        self._prune(key, state)
        return state.points

    def _add_newest(self, key: Key, state: _KeyState, e: Entry) -> None:
        if put_newest(state.points, e) and len(state.points) > state.limit:
            self._prune(key, state)

    def _disturbs(self, key: Key, points: list[Point], day: date, fig: Fig) -> bool:
        """Whether a figure put on ``day`` can make a dropped later point a transition:
        it lands before the last point and reaches the target where the figure it replaces
        (or the kept one before it, which stands for any dropped in between) did not, or
        the other way round."""
        if self.retention.keeps_all(key[1]):
            return False
        j = bisect.bisect_left(points, day, key=point_day)
        if j >= len(points) or (j == len(points) - 1 and points[j].on == day):
            return False  # the newest day: nothing after it to disturb
        if points[j].on != day:
            j -= 1
        while j >= 0 and type(points[j].fig) is not type(fig):
            j -= 1
        if j < 0:
            return False  # the first of its kind: the next one is kept if it differs
        reaches = self.retention.reaches
        return reaches(key[1], points[j].fig) != reaches(key[1], fig)

    def _prune(self, key: Key, state: _KeyState) -> None:
        state.points = self._pruned(key, state.points)
        state.limit = max(self._limit, len(state.points) + self._slack)

    def _pruned(self, key: Key, points: list[Point]) -> list[Point]:
        """The points some kept day or status needs: the last two of each figure kind on
        or before each bound, the first of each kind, each transition, every point up to
        the last merger the agency is part of, and every point after today (every point
        of a national total)."""
        if self.retention.keeps_all(key[1]):
            return points
        keep: set[int] = set()
        through = self.retention.kept_through(key[0])
        if through is not None:
            keep.update(range(bisect.bisect_right(points, through, key=point_day)))
        reaches = self.retention.reaches
        before: dict[type, bool] = {}
        for i, p in enumerate(points):
            kind = type(p.fig)
            now = reaches(key[1], p.fig)
            if before.get(kind) is not now:
                keep.add(i)  # the first of its kind, or a transition
            before[kind] = now
        # A series normally holds one kind of figure; an evaluation reads the last two of
        # the target's kind, so with several kinds each keeps its own last two.
        kinds = {type(p.fig) for p in points}
        for bound in self._bounds:
            j = bisect.bisect_right(points, bound, key=point_day)
            seen = dict.fromkeys(kinds, 0)
            wanted = 2 * len(kinds)
            while j and wanted:
                j -= 1
                kind = type(points[j].fig)
                if seen[kind] < 2:
                    seen[kind] += 1
                    wanted -= 1
                    keep.add(j)
        after = bisect.bisect_right(points, self.today, key=point_day)
        keep.update(range(after, len(points)))
        return [points[i] for i in sorted(keep)]


def _first_difference(old: list[Point], new: list[Point]) -> date | None:
    """The first day two series differ on (None: they are the same)."""
    for a, b in zip(old, new):
        if a != b:
            return min(a.on, b.on)
    if len(old) != len(new):
        longer = old if len(old) > len(new) else new
        return longer[min(len(old), len(new))].on
    return None
