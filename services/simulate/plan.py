"""The message stream of one simulated year, in the order the agency systems send it.

For every agency and every target that applies to it, on every observation day of its
cadence, the agency reports its true figure (:mod:`trajectories`); milestones are reported
once, when reached. The year opens with the baseline: 31 December of the year before is
the last day of a month like any other, so every agency reports every figure on it, and
every milestone it had already reached. On the seeds' session days every agency reports
the anchored targets, whatever its cadence, so the national figure of that day is the
seed's. Reports are made under the id of the unit that exists on the day (ministries
merge on 2025-03-01, provinces on 2025-07-01). Then real life (:mod:`mess`): late
reports, silences, re-sends, corrections, retractions, and now and then a bad event
(:mod:`faults`); and a few days after a deadline, explanations of some tasks it left
unmet (:mod:`explanations`). Each message carries the outcome ingest must give it.

Scale sets the cadence: 1 is monthly (a few thousand events); above 1, ``round(scale)``
observations a month (weekly at 4, daily at ~30, several a day beyond, millions at a few
hundred); below 1, each agency × target reports in about ``scale`` of its months (the
anchor days, the baseline among them, and the final month are kept), and a milestone is
reported with probability ``scale`` (always, if a seed anchors its target).

The stream is a generator with memory bounded by the reports still in flight (sent later
than generated, e.g. late ones), so a run of millions never holds them all. Pure: keys
come in, messages go out; the same config and keys give the same bytes.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from shared.domain.agencies import AgencyKind
from shared.domain.catalogue import Target, TargetKind
from shared.domain.temporal import month_end
from shared.presentation.names import abbreviation, name_in_text

from services.simulate.explanations import Due, explanation_bytes, explanation_event, explanations_by_day
from services.simulate.faults import Fault, Primary
from services.simulate.keys import KeyRing
from services.simulate.mess import FaultSchedule, Fate, Mess, delay_days, draw_fate, is_late
from services.simulate.profiles import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, MINISTRY_ROLES, PROVINCE_ROLES
from services.simulate.trajectories import ANCHORS, Truth, baseline_day
from services.simulate.wire import DAY, SECOND, ClockStyle, instant, vietnam_ordinal, wire_bytes

_ANCHORED = frozenset(a.target_id for a in ANCHORS)

MAX_SCALE = 1000.0
"""About seven million events; beyond it the reports of one day would crowd into the same minute."""


@dataclass(frozen=True)
class Config:
    """What to simulate: the seed, the scale, the year, and the last day anything is sent."""

    seed: int = 7
    scale: float = 1.0
    year: int = 2025
    until: date | None = None

    def __post_init__(self) -> None:
        if not 0 < self.scale <= MAX_SCALE:
            raise ValueError(f"scale must be above 0 and at most {MAX_SCALE:g}, got {self.scale:g}")
        if self.until is not None and self.until < baseline_day(self.year):
            raise ValueError(f"until {self.until} is before the baseline of the simulated year {self.year}")


class Outcome(StrEnum):
    """Where ingest must put a message."""

    RECORDED = "recorded"
    """A new event: one ledger entry."""
    DUPLICATE = "duplicate"
    """A byte-identical re-send of a recorded event: nothing."""
    REJECTED = "rejected"
    """A dead letter with the fault's reason code."""


@dataclass(frozen=True, slots=True)
class Message:
    """One Kafka message to send, and what must become of it."""

    key: str | None
    value: bytes
    outcome: Outcome
    sent_at: int
    """When it is sent: microseconds since the Unix epoch, UTC (see :mod:`wire`)."""
    agency_id: str
    event_id: str | None = None
    kind: str | None = None
    """The event kind of a recorded or duplicate message."""
    fault: Fault | None = None
    """What is wrong with a rejected message."""


@dataclass(frozen=True)
class _Pair:
    agency_id: str
    target: Target
    first: date
    last: date
    months: frozenset[int] | None
    """The months reported in at a scale below 1 (None: every month)."""
    required: frozenset[date]
    """The days it reports on whatever the cadence: the seeds' anchor days of its target."""


class _Agent:
    """What one agency's system keeps between reports: its people, clock, numbering."""

    def __init__(self, truth: Truth, agency_id: str, prefix: str) -> None:
        rng = truth.rng("agent", agency_id)
        agency = truth.agency(agency_id)
        name = name_in_text(agency)  # "Chánh Văn phòng UBND tỉnh Cao Bằng": unit types small mid-sentence
        roles = PROVINCE_ROLES if agency.kind is AgencyKind.PROVINCE else MINISTRY_ROLES
        people = []
        for role in rng.sample(roles, 2):
            person = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
            people.append({"name": person, "role": role.format(name=name)})
        self.people = people
        self.handover = date(truth.year, rng.randint(3, 10), 1)
        u = rng.random()
        self.clock = ClockStyle(utc=u < 0.15, micros=0.15 <= u < 0.25)
        self.prefix = prefix
        # The issuing office in document numbers: "BC-UBND" for a province, the ministry's own ("BC-BGDĐT").
        self.office = abbreviation(agency)
        self.document = rng.randint(20, 200)
        self._sequence = itertools.count(1)

    def reporter(self, day: date) -> dict[str, str]:
        return self.people[0] if day < self.handover else self.people[1]

    def event_id(self, sent: int) -> str:
        """A new id, numbered like the contract's examples: prefix, day sent, sequence."""
        return f"{self.prefix}-{_compact_day(sent)}-{next(self._sequence):06d}"

    def evidence(self, sent: int) -> str:
        self.document += 1
        day = date.fromordinal(sent)
        return f"Báo cáo số {self.document}/BC-{self.office} ngày {day.day:02d}/{day.month:02d}/{day.year}"


def _prefixes(agencies) -> list[str]:
    """Short event-id prefixes, one per agency, as in the contract's "hn-20250402-0001":
    the initials of the id ("ha-noi" → "hn"), with the official code added where initials
    repeat ("dn" is Đà Nẵng; Đồng Nai is "dn75"), so a dead letter's id says whose it is."""
    taken: set[str] = set()
    prefixes = []
    for agency in agencies:
        prefix = "".join(p if p.isdigit() else p[0] for p in agency.id.split("-") if p != "va")
        if prefix in taken:
            prefix += (agency.code or str(len(taken))).lower()
        taken.add(prefix)
        prefixes.append(prefix)
    return prefixes


def _per_day(day: date, per_month: int) -> int:
    """Reports on ``day`` at ``per_month`` a month: spread evenly over the month's days, the
    last on its last day (Bresenham's rule), several a day when there are more reports than days."""
    length, j = month_end(day.year, day.month).day, day.day - 1
    return (j + 1) * per_month // length - j * per_month // length


@functools.cache
def _compact_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat().replace("-", "")


def _below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n): what ``randrange`` gives, at a third of its cost."""
    return int(rng.random() * n)


class Plan:
    """The ordered messages of one simulation, generated lazily by iterating."""

    def __init__(self, config: Config, keys: KeyRing, truth: Truth | None = None,
                 on_day: Callable[[date], None] = lambda day: None) -> None:
        self.config = config
        self.keys = keys
        self.truth = truth or Truth(config.seed, config.year)
        self.mess = Mess(self.truth)
        self.on_day = on_day
        t = self.truth
        self._pairs = [self._pair(a.id, target) for a in t.agencies for target in t.applicable[a.id]
                       if target.kind is not TargetKind.MILESTONE]
        self._milestones = self._milestone_reports()
        self.per_month = round(config.scale) if config.scale >= 1 else config.scale
        self.expected_reports = sum(self._count(p) for p in self._pairs) + len(self._milestones)
        self.agents = {a.id: _Agent(t, a.id, p) for a, p in zip(t.agencies, _prefixes(t.agencies))}
        self.explanations = explanations_by_day(t)
        self.month_ends = frozenset(month_end(t.year, m).toordinal() for m in range(0, 13))
        self.required_days = frozenset(d for p in self._pairs for d in p.required)

    # ---- what is reported when -------------------------------------------------------------
    def _pair(self, agency_id: str, target: Target) -> _Pair:
        first, last = self.truth.window(agency_id)
        required = frozenset(a.on for a in ANCHORS if a.target_id == target.id and first <= a.on <= last)
        months = None
        if self.config.scale < 1:
            ends = [m for m in range(1, 13) if first <= month_end(self.truth.year, m) <= last]
            phase = self.truth.rng("phase", agency_id, target.id).random()
            count = math.floor(len(ends) * self.config.scale + phase)
            # Evenly spaced, ending on the last month: a dissolved unit's final figure is kept.
            months = frozenset(ends[len(ends) - 1 - i * len(ends) // count] for i in range(count))
        return _Pair(agency_id, target, first, last, months, required)

    def _count(self, pair: _Pair) -> int:
        year = self.truth.year
        if pair.months is None:
            months = [m for m in range(1, 13) if pair.first <= month_end(year, m) <= pair.last]
            # The baseline is the last day of a month: always a reporting day at this scale.
            baseline = _per_day(pair.first, self.per_month) if pair.first == self.truth.baseline else 0
            extra = sum(1 for d in pair.required if not _per_day(d, self.per_month))
            return len(months) * self.per_month + baseline + extra
        kept = {d for d in pair.required if d.year == year and d == month_end(year, d.month) and d.month in pair.months}
        return len(pair.months) + len(pair.required - kept)

    def _reporting(self, day: date) -> Iterator[tuple[_Pair, int]]:
        """The agency × target pairs that report on ``day``, and how many reports each."""
        required = day in self.required_days
        if self.config.scale >= 1:
            count = _per_day(day, self.per_month)
            if not count and not required:
                return
            for pair in self._pairs:
                n = count or int(day in pair.required)
                if n and pair.first <= day <= pair.last and not self.mess.silent(pair.agency_id, pair.target.id, day):
                    yield pair, n
        elif required or day == month_end(day.year, day.month):
            # The baseline is December of the year before: no month of the year's own.
            own_month = day.year == self.truth.year and day == month_end(day.year, day.month)
            for pair in self._pairs:
                chosen = (own_month and day.month in pair.months) or day in pair.required
                if chosen and pair.first <= day <= pair.last and not self.mess.silent(pair.agency_id, pair.target.id, day):
                    yield pair, 1

    def _milestone_reports(self) -> list[tuple[date, str, str, date]]:
        """(day reported for, agency, target, done_on) of every milestone report, by day."""
        t, reports = self.truth, []
        for agency in t.agencies:
            first, last = t.window(agency.id)
            for target in t.applicable[agency.id]:
                done = t.done_on(agency.id, target.id) if target.kind is TargetKind.MILESTONE else None
                if done is None:
                    continue
                observed = max(done, first)
                silence = self.mess.silent(agency.id, target.id, observed)
                if silence is not None:
                    observed = silence.last + timedelta(days=1)
                # A seed's milestone figure (63/63 resolutions) needs every report, whatever the scale.
                sampled = (self.config.scale >= 1 or target.id in _ANCHORED
                           or t.rng("phase", agency.id, target.id).random() < self.config.scale)
                if observed <= last and sampled:
                    reports.append((observed, agency.id, target.id, done))
        return sorted(reports)

    # ---- the stream ------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Message]:
        t, config = self.truth, self.config
        rng = t.rng("mess", "stream", str(config.scale))
        faults = FaultSchedule(t.rng("mess", "faults"), self.expected_reports)
        stream = _Stream(self, rng, faults)
        last_day = min(t.end, config.until) if config.until else t.end
        milestones = iter(self._milestones)
        pending = next(milestones, None)
        day = t.baseline
        while day <= last_day:
            while pending is not None and pending[0] == day:
                stream.milestone(*pending)
                pending = next(milestones, None)
            for pair, n in self._reporting(day):
                stream.measurements(pair, day, n)
            for due in self.explanations.get(day, ()):
                stream.explanation(due)
            # Everything generated later is sent on a later day: today's messages can go.
            yield from stream.sent_before(instant(day + timedelta(days=1), 0))
            self.on_day(day)
            day += timedelta(days=1)
        yield from stream.sent_before(None)


class _Stream:
    """Turns reports into messages and releases them in the order they are sent."""

    def __init__(self, plan: Plan, rng: random.Random, faults: FaultSchedule) -> None:
        self.plan = plan
        self.truth = plan.truth
        self.keys = plan.keys
        self.rng = rng
        self.faults = faults
        self.until = plan.config.until.toordinal() if plan.config.until else None
        self._heap: list[tuple[int, int, Message]] = []
        self._order = itertools.count()

    def sent_before(self, moment: int | None) -> Iterator[Message]:
        """Release every message sent before ``moment`` (all of them when None), oldest first."""
        heap = self._heap
        while heap and (moment is None or heap[0][0] < moment):
            message = heapq.heappop(heap)[2]
            if self.until is None or vietnam_ordinal(message.sent_at) <= self.until:
                yield message

    def _send(self, message: Message) -> None:
        heapq.heappush(self._heap, (message.sent_at, next(self._order), message))

    # ---- reports ---------------------------------------------------------------------------
    def measurements(self, pair: _Pair, day: date, n: int) -> None:
        """The ``n`` reports of one agency × target for ``day`` (several: an intraday feed)."""
        rng, truth = self.rng, self.truth
        target = pair.target
        ordinal = day.toordinal()
        current = truth.value_at(pair.agency_id, target, ordinal)
        previous = current
        if n > 1 and day > pair.first:
            previous = truth.value_at(pair.agency_id, target, ordinal - 1)
        per_month = self.plan.per_month
        late = is_late(rng)
        shift = delay_days(rng, per_month, late) * DAY
        # A month's closing figure cites the report it comes from; an automatic feed cites nothing.
        cites = n == 1 and ordinal in self.plan.month_ends
        for k in range(n):
            value = current if n == 1 else _between(previous, current, k + 1, n)
            figure = ({"type": "ratio", "numerator": value[0], "denominator": value[1]}
                      if target.kind is TargetKind.RATIO else {"type": "count", "count": value})
            if n == 1:
                minutes = 450 + _below(rng, 600)
            else:
                # An intraday feed: evenly spaced through the working day, in order, so the
                # day's last report is the day's figure.
                minutes = 420 + k * 600 // n
            moment = instant(day, minutes, _below(rng, SECOND)) + shift
            self._report(pair.agency_id, target, day, "measurement", figure, moment, cites, n > 1)

    def milestone(self, day: date, agency_id: str, target_id: str, done: date) -> None:
        """The report that an agency reached a milestone."""
        rng = self.rng
        shift = delay_days(rng, 1, is_late(rng)) * DAY
        moment = instant(day, 450 + _below(rng, 600), _below(rng, SECOND)) + shift
        figure = {"type": "milestone", "done": True, "done_on": done.isoformat()}
        self._report(agency_id, self.truth.targets[target_id], day, "milestone", figure, moment, True, False)

    def explanation(self, due: Due) -> None:
        """An agency's explanation of a task it is late on (:mod:`explanations`)."""
        agent = self.plan.agents[due.agency_id]
        at = instant(due.day, due.minutes)
        e = explanation_event(due, agent.prefix, agent.office, agent.reporter(due.day), agent.clock.write(at))
        value = explanation_bytes(e, self.keys[due.agency_id])
        self._send(Message(due.agency_id, value, Outcome.RECORDED, at, due.agency_id, e["event_id"], e["kind"]))

    def _report(self, agency_id: str, target: Target, day: date, kind: str, figure: dict[str, Any],
                moment: int, cites: bool, intraday: bool) -> None:
        rng = self.rng
        agent = self.plan.agents[agency_id]
        fault = self.faults.next(kind)
        if fault is not None and fault.name == "second_retraction":
            fate = Fate.RETRACTED
        else:
            fate = draw_fate(rng, amendable=kind == "measurement")
        base = {"schema_version": 2, "agency_id": agency_id, "target_id": target.id, "kind": kind,
                "observed_at": day.isoformat(), "reporter": agent.reporter(day)}

        def event(at: int, **members: Any) -> dict[str, Any]:
            sent = vietnam_ordinal(at)
            e = {**base, "event_id": agent.event_id(sent), "reported_at": agent.clock.write(at), **members}
            if cites and members.get("figure") is not None:
                e["evidence"] = agent.evidence(sent)
            return e

        def send(e: dict[str, Any], at: int) -> bytes:
            value = wire_bytes(e, self.keys[agency_id])
            self._send(Message(agency_id, value, Outcome.RECORDED, at, agency_id, e["event_id"], e["kind"]))
            return value

        # Within an intraday feed the day's figures must keep their order: minutes, not hours.
        step = 60 * SECOND if intraday else (2 + _below(rng, 29)) * 3600 * SECOND
        retracted = None
        if fate is Fate.RETRACTED:
            draft = event(moment, figure=_draft(figure))
            send(draft, moment)
            moment += step
            send(event(moment, kind="retraction", amends=draft["event_id"]), moment)
            retracted = draft["event_id"]
            moment += step
        if fate is Fate.CORRECTED:
            primary = event(moment, figure=_typo(figure))
            send(primary, moment)
            fixed_at = moment + (1 + _below(rng, 10)) * DAY + _below(rng, 600) * 60 * SECOND
            send(event(fixed_at, kind="correction", figure=figure, amends=primary["event_id"]), fixed_at)
        else:
            primary = event(moment, figure=figure)
            value = send(primary, moment)
            if fate is Fate.RESENT:
                again = moment + (10 + _below(rng, 4311)) * 60 * SECOND
                self._send(Message(agency_id, value, Outcome.DUPLICATE, again, agency_id, primary["event_id"], kind))
        if fault is not None:
            self._fault(fault, primary, moment, retracted, agent)

    def _fault(self, fault: Fault, primary: dict[str, Any], moment: int, retracted: str | None,
               agent: _Agent) -> None:
        sent_day = vietnam_ordinal(moment)
        context = Primary(primary, self.truth, self.keys, self.rng, lambda: agent.event_id(sent_day), retracted)
        key, value = fault.build(context)
        at = moment + (5 + _below(self.rng, 2876)) * 60 * SECOND
        self._send(Message(key, value, Outcome.REJECTED, at, primary["agency_id"], fault=fault))


def _between(previous: tuple[int, int] | int, current: tuple[int, int] | int, k: int, n: int):
    """The k-th of n steps from the previous day's figure to this day's (the n-th is this day's)."""
    if isinstance(current, tuple):
        return (previous[0] + (current[0] - previous[0]) * k // n, previous[1] + (current[1] - previous[1]) * k // n)
    return previous + (current - previous) * k // n


def _typo(figure: dict[str, Any]) -> dict[str, Any]:
    """The figure as mistyped: two digits transposed, or a digit dropped; still a valid figure."""
    member = "numerator" if figure["type"] == "ratio" else "count"
    value = figure[member]
    text = str(value)
    candidates = [int(text[:-2] + text[-1] + text[-2])] if len(text) >= 2 else []
    candidates += [value // 10, value + 1, value - 1]
    limit = figure.get("denominator", value + 1)
    wrong = next(c for c in candidates if c != value and 0 <= c <= limit)
    return {**figure, member: wrong}


def _draft(figure: dict[str, Any]) -> dict[str, Any]:
    """A preliminary figure sent by mistake: about nine tenths of the real one."""
    member = "numerator" if figure["type"] == "ratio" else "count"
    value = figure[member]
    return {**figure, member: value * 9 // 10 if value >= 10 else value + 1 if value == 0 else value - 1}
