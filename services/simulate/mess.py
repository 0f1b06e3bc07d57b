"""The mess of real reporting, chosen deterministically: silences, late reports, re-sends,
corrections, retractions, and when a deliberately bad event is slipped in.

Nothing here may move a seed's anchor: silences start in April, after the last anchor
day, and never touch an anchored target; a corrected or retracted figure is always
followed by the true one. Pure.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.domain.agencies import AgencyKind
from shared.domain.catalogue import TargetKind

from services.simulate.faults import FAULTS, Fault
from services.simulate.trajectories import ANCHORS, Truth


class Fate(StrEnum):
    """What happens to one report on its way to the broker (late or not: see :func:`is_late`)."""

    PLAIN = "plain"
    """Sent once, as it should be."""
    RESENT = "resent"
    """Sent twice, byte for byte (a retry after a timeout)."""
    CORRECTED = "corrected"
    """Sent with a typo, then corrected."""
    RETRACTED = "retracted"
    """A draft sent by mistake and retracted, then the real figure."""


# Chance of each fate per report; the rest are plain.
FATE_RATES: tuple[tuple[Fate, float], ...] = ((Fate.RESENT, 0.02), (Fate.CORRECTED, 0.015), (Fate.RETRACTED, 0.005))
LATE_RATE = 0.04
ANCHORED_TARGETS = frozenset(a.target_id for a in ANCHORS)


def draw_fate(rng: random.Random, *, amendable: bool) -> Fate:
    """One report's fate; only a measurement (``amendable``) is ever corrected or retracted."""
    u = rng.random()
    for fate, rate in FATE_RATES:
        if u < rate:
            return fate if amendable or fate is Fate.RESENT else Fate.PLAIN
        u -= rate
    return Fate.PLAIN


def is_late(rng: random.Random) -> bool:
    """Whether a report (or all of one day's reports of one figure, which keep their order) is late."""
    return rng.random() < LATE_RATE


def delay_days(rng: random.Random, reports_per_month: float, late: bool) -> int:
    """Days between the day a figure is for and the day it is sent.

    Monthly figures go out in the first week of the next month, weekly ones within two
    days; a late one comes weeks later. Several a day go out the same day.
    """
    if late:
        return rng.randint(12, 75) if reports_per_month <= 1 else rng.randint(8, 40)
    if reports_per_month <= 1:
        return rng.randint(1, 6)
    return rng.randint(0, 2) if reports_per_month < 28 else 0


@dataclass(frozen=True)
class Silence:
    """Days on which an agency sends nothing (for one target, or for all when ``target_id`` is None)."""

    agency_id: str
    first: date
    last: date
    target_id: str | None
    why: str


class Mess:
    """The seed's choice of silences: who goes quiet, when, and for which targets."""

    def __init__(self, truth: Truth) -> None:
        self.truth = truth
        self.silences: tuple[Silence, ...] = self._choose_silences(truth.rng("mess", "silences"))
        self._by_agency: dict[str, list[Silence]] = {}
        for s in self.silences:
            self._by_agency.setdefault(s.agency_id, []).append(s)

    def silent(self, agency_id: str, target_id: str, day: date) -> Silence | None:
        """The silence that keeps the agency from reporting the target on ``day``, if any."""
        for s in self._by_agency.get(agency_id, ()):
            if s.first <= day <= s.last and s.target_id in (None, target_id):
                return s
        return None

    def _choose_silences(self, rng: random.Random) -> tuple[Silence, ...]:
        t = self.truth
        year = t.year
        april, june, july = date(year, 4, 1), date(year, 6, 30), date(year, 7, 1)

        def exists(first: date, last: date):
            return sorted(a.id for a in t.agencies if t.window(a.id)[0] <= first and t.window(a.id)[1] >= last)

        def of_kind(ids, kind):
            return [i for i in ids if t.agency(i).kind is kind]

        def months(first_month: int, count: int) -> tuple[date, date]:
            first = date(year, first_month, 1)
            last = date(year + (first_month + count - 1) // 12, (first_month + count - 1) % 12 + 1, 1) - timedelta(days=1)
            return first, last

        chosen: list[Silence] = []
        taken: set[str] = set()

        def pick(candidates: list[str], n: int) -> list[str]:
            free = [c for c in candidates if c not in taken]
            picked = rng.sample(free, min(n, len(free)))
            taken.update(picked)
            return picked

        whole_year = exists(april, t.end)
        for agency_id in pick(of_kind(whole_year, AgencyKind.MINISTRY), 2):
            first, last = months(rng.randint(4, 9), rng.randint(2, 3))
            chosen.append(Silence(agency_id, first, last, None, "ministry system down for maintenance"))
        for agency_id in pick(of_kind(exists(t.start, t.end), AgencyKind.PROVINCE), 2):
            first, last = months(rng.randint(4, 9), rng.randint(2, 3))
            chosen.append(Silence(agency_id, first, last, None, "province stopped reporting for a while"))
        for agency_id in pick([a for a in of_kind(exists(april, june), AgencyKind.PROVINCE) if t.window(a)[1] == june], 2):
            chosen.append(Silence(agency_id, *months(5, 2), None, "stopped reporting before its merger"))
        for agency_id in pick([a for a in of_kind(exists(july, t.end), AgencyKind.PROVINCE)
                               if t.window(a)[0] == july], 3):
            chosen.append(Silence(agency_id, *months(7, rng.randint(1, 2)), None,
                                  "merged province still setting up its reporting"))
        for agency_id in pick(whole_year, 2):
            targets = [x.id for x in t.applicable[agency_id]
                       if x.kind is not TargetKind.MILESTONE and x.id not in ANCHORED_TARGETS]
            chosen.append(Silence(agency_id, t.baseline, t.end, rng.choice(targets), "never reports this target"))
        return tuple(chosen)


class FaultSchedule:
    """Every ``every``-th report gets a bad sibling; kinds take turns in a seeded order, so
    every kind appears once the run has ``every × len(FAULTS)`` reports. A kind that does
    not fit the report at hand waits for the next report it fits."""

    def __init__(self, rng: random.Random, expected_reports: int) -> None:
        self.every = max(4, min(250, expected_reports // (2 * len(FAULTS))))
        self._order = list(FAULTS)
        rng.shuffle(self._order)
        self._reports = 0
        self._turn = 0
        self._pending: list[Fault] = []

    def next(self, event_kind: str) -> Fault | None:
        """The fault to derive from the next report (of ``event_kind``), if any."""
        self._reports += 1
        if self._reports % self.every == 0:
            self._pending.append(self._order[self._turn % len(self._order)])
            self._turn += 1
        for i, fault in enumerate(self._pending):
            if fault.applies(event_kind):
                return self._pending.pop(i)
        return None
