"""The simulated truth: every agency's true figure for every applicable target on every day.

Figures are modelled on the *base units*, the agencies that existed on 1 January. On any
day an agency's figure is the total over the base units it then covers (Σ numerators and
Σ denominators, Σ counts), which is exactly how the scorer rolls a merged unit's history
up from its predecessors; so the 2025 reorganisations leave no seam in the national
series. Only a count that every agency must reach on its own (200 procedures each) is
taken as the best of the merged parts: the merged province inherits its most advanced
part's simplified procedures, not their sum.

The year starts from a *baseline*: the figures of 31 December of the year before, which
every agency reports like any other figure, so the path required of it (lộ trình) and
"so với kỳ trước" in the first quarter have a start. The seeds' figures are *anchors*:
the national figure on the anchor day (the 2024 results on the baseline day, the
session days of 2025) is exactly the seed's number (:data:`ANCHORS`). Everything else is
drawn deterministically from the seed around plausible shapes: shares rising towards the
2025 targets, a few agencies late. Integer arithmetic throughout, so a figure is the same
on every machine. Pure.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from shared.domain.agencies import Agency, AgencyKind, agencies_on, all_agencies, successor_of
from shared.domain.catalogue import Aggregation, Target, TargetKind, catalogue_on, target_applies_to
from shared.domain.temporal import month_end

from services.simulate.profiles import MINISTRY_PROFILES, PROVINCE_POPULATION_K, MinistryProfile

SUPPORTED_YEARS = (2025,)
"""Years the seeds anchor; other years have no trajectories."""

PPM = 1_000_000


def baseline_day(year: int) -> date:
    """The day of the baseline figures of ``year``: 31 December of the year before."""
    return date(year - 1, 12, 31)


@dataclass(frozen=True)
class Anchor:
    """A national figure a seed reports: the simulation reproduces it exactly.

    ``total`` is the whole the seed counts against, where it names one: Σ denominators of
    a ratio (1.084 procedures), the applicable agencies of a milestone (63 provinces).
    """

    target_id: str
    on: date
    value: Fraction
    seed: str
    quote: str
    total: int | None = None


BASELINE_2024 = baseline_day(2025)
SESSION_000 = date(2025, 2, 6)
"""Phiên họp lần thứ 10 của Ủy ban Quốc gia về chuyển đổi số (seed 000, tổng kết năm 2024)."""
SESSION_003 = date(2025, 3, 18)
"""Phiên họp thứ nhất của Ban Chỉ đạo của Chính phủ (seed 003)."""

ANCHORS: tuple[Anchor, ...] = (
    # Seed 000 reports the results of 2024: the baseline of 31/12/2024.
    Anchor("essential_services", BASELINE_2024, Fraction(54), "000",
           "đã triển khai 54/76 dịch vụ công trực tuyến thiết yếu"),
    Anchor("procedures_simplified", BASELINE_2024, Fraction(898, 1084), "000",
           "Đã đơn giản hóa 898/1.084 thủ tục hành chính được giao tại các Nghị quyết của Chính phủ",
           total=1084),
    Anchor("fee_exemption_resolution", BASELINE_2024, Fraction(1), "000",
           "63/63 địa phương đã ban hành Nghị quyết miễn giảm phí, lệ phí cho người dân, doanh nghiệp",
           total=63),
    # The same 54 were the figure the session of 06/02/2025 heard.
    Anchor("essential_services", SESSION_000, Fraction(54), "000",
           "đã triển khai 54/76 dịch vụ công trực tuyến thiết yếu"),
    Anchor("essential_services", SESSION_003, Fraction(58), "003",
           "các bộ, ngành đã hoàn thành tích hợp 58/76 thủ tục hành chính (TTHC) thiết yếu"),
    Anchor("civil_registry_digitised", SESSION_003, Fraction(98, 100), "003",
           "98% dữ liệu hộ tịch đã được số hóa"),
)


def _month_ends(first_month: int, totals: tuple[int, ...], year: int = 2025) -> tuple[tuple[date, int], ...]:
    """(last day of each month from ``first_month`` on, total) pairs."""
    return tuple((month_end(year, m), total) for m, total in enumerate(totals, start=first_month))


# National totals of the targets whose figure counts distinct things shared out among
# agencies, as knots (day, total reached by then): the first knot is the baseline, done
# before the year; between two knots each item is done on a day drawn in between, so the
# total is exact on every knot day. The seeds fix essential_services on their days; the
# rest of each series is a plausible path to the target.
ITEM_SCHEDULES: dict[str, tuple[tuple[date, int], ...]] = {
    "essential_services": ((BASELINE_2024, 54), (SESSION_000, 54), (SESSION_003, 58),
                           *_month_ends(4, (61, 64, 67, 69, 71, 72, 74, 75, 76))),
    # The 324 procedures were identified on 18/03/2025 and due in Q2; the cuts run late.
    "procedures_vneid": ((BASELINE_2024, 0), (SESSION_003, 0),
                         *_month_ends(3, (21, 96, 188, 287, 311, 320, 324, 324, 324, 324))),
    # Seed 003 ties the 114 databases to August 2025, when the National Data Centre opens
    # (18/08/2025): connections come slowly before it and in a rush once it is open.
    "ndc_databases": ((BASELINE_2024, 5), *_month_ends(1, (6, 8, 10, 12, 15, 19, 27)),
                      (date(2025, 8, 18), 61), (date(2025, 8, 29), 114)),
}

# Milestones whose day is public knowledge rather than drawn.
FIXED_MILESTONES: dict[str, date] = {
    # design.md §3.1 research note: the National Data Centre No. 1 opened on 18/08/2025.
    "ndc_operating": date(2025, 8, 18),
    # Seed 002 asks for both draft laws at the 9th session of the National Assembly (May
    # 2025); the session opened on 05/05/2025 and passed both laws in June 2025. The day
    # each draft was presented is not checked against a source: the opening day stands in.
    "law_digital_technology_industry": date(2025, 5, 5),
    "law_personal_data_protection": date(2025, 5, 5),
}
# No agency can have done a milestone before the decision that asked for it.
EARLIEST_MILESTONE: dict[str, date] = {
    # Nghị quyết 03/NQ-CP (09/01/2025) set the Government's programme for Resolution 57.
    "r57_plan_issued": date(2025, 1, 9),
}


@dataclass(frozen=True)
class Untimed:
    """How a milestone no source dates is reached: from ``since``, a share of agencies by
    the baseline day, a further share during the year, the rest not at all."""

    since: date
    by_baseline: float
    by_year_end: float


UNTIMED_MILESTONES: dict[str, Untimed] = {
    # Seed 004 (24/04/2024) asked every ministry and province for its own project.
    "own_dt_project": Untimed(date(2024, 4, 24), 0.45, 0.85),
    # Seed 000: all 63 provinces had issued their resolution by the end of 2024.
    "fee_exemption_resolution": Untimed(date(2024, 1, 1), 1.0, 1.0),
}
# Milestones an agency reached before anything asked for them.
DONE_BEFORE: dict[tuple[str, str], date] = {
    # Seed 004: "như Bộ Công an đã làm": Đề án 06, Quyết định 06/QĐ-TTg ngày 06/01/2022.
    ("own_dt_project", "bo-cong-an"): date(2022, 1, 6),
}
# Targets whose denominator is a national total shared out among the agencies (the seed
# names the total): the shares follow each agency's size.
SHARED_TOTALS: dict[str, int] = {
    "procedures_simplified": 1084,
}


class UnsupportedYear(ValueError):
    """No trajectories exist for the year asked for."""


@dataclass(frozen=True, slots=True)
class Knots:
    """An integer path: exact at each knot day, linear between, flat outside."""

    days: tuple[int, ...]
    values: tuple[int, ...]

    def at(self, day: int) -> int:
        days = self.days
        if day <= days[0]:
            return self.values[0]
        if day >= days[-1]:
            return self.values[-1]
        i = bisect.bisect_right(days, day)
        d0, d1 = days[i - 1], days[i]
        v0, v1 = self.values[i - 1], self.values[i]
        # Floor division keeps the path integral, monotone between knots and exact on them.
        return v0 + (v1 - v0) * (day - d0) // (d1 - d0)


def _knots(points: list[tuple[date, int]]) -> Knots:
    points = sorted(points)
    values, best = [], None
    for _, value in points:
        # Progress never goes backwards: a later knot is at least the one before.
        best = value if best is None else max(best, value)
        values.append(best)
    return Knots(tuple(d.toordinal() for d, _ in points), tuple(values))


@dataclass(frozen=True, slots=True)
class StockRatio:
    """A share of a fixed population (procedures, leaders, records): numerator path over a constant denominator."""

    denominator: int
    numerator: Knots

    def at(self, day: int) -> tuple[int, int]:
        return self.numerator.at(day), self.denominator


@dataclass(frozen=True, slots=True)
class FlowRatio:
    """A share of what arrived since 1 January (dossiers): both counts grow with the days.

    On the baseline day the figure is the whole previous year's (``previous_first`` is its
    1 January), at the share the year starts from.
    """

    per_day: int
    first_day: int
    previous_first: int
    share_ppm: Knots

    def at(self, day: int) -> tuple[int, int]:
        since = self.first_day if day >= self.first_day else self.previous_first
        denominator = self.per_day * (day - since + 1)
        return denominator * self.share_ppm.at(day) // PPM, denominator


@dataclass(frozen=True, slots=True)
class ItemCount:
    """How many of the agency's share of national items (services, procedures) are done."""

    done: tuple[int, ...]

    def at(self, day: int) -> int:
        return bisect.bisect_right(self.done, day)


@dataclass(frozen=True, slots=True)
class LevelCount:
    """A count each agency must reach on its own (procedures simplified)."""

    count: Knots

    def at(self, day: int) -> int:
        return self.count.at(day)


Model = StockRatio | FlowRatio | ItemCount | LevelCount


def _uniform(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random()


def _complete(rng: random.Random, chance: float, low: float, high: float) -> float:
    """1.0 with probability ``chance``, otherwise a share in [low, high)."""
    return 1.0 if rng.random() < chance else _uniform(rng, low, high)


def _day_between(rng: random.Random, first: date, last: date) -> date:
    """A day drawn uniformly in [first, last]."""
    return first + timedelta(days=rng.randint(0, (last - first).days))


class Truth:
    """The true figures of one simulated year for one seed.

    ``value(agency, target, day)`` is an agency's figure on a day it exists, from the
    baseline day (:attr:`baseline`) to 31 December: a ``(numerator, denominator)`` pair
    for a ratio target, an ``int`` for a count. ``done_on(agency, target)`` is the day it
    reached a milestone (before the baseline day for what was done in earlier years), or
    ``None``.
    """

    def __init__(self, seed: int, year: int = 2025) -> None:
        if year not in SUPPORTED_YEARS:
            years = ", ".join(map(str, SUPPORTED_YEARS))
            raise UnsupportedYear(f"no trajectories for {year}: the seeds anchor {years} only")
        self.seed = seed
        self.year = year
        self.baseline = baseline_day(year)
        self.start = date(year, 1, 1)
        self.end = date(year, 12, 31)
        # Applicability and kinds never change with revisions; deadlines may, and the
        # year-end terms are the ones the agencies work towards.
        self.targets: dict[str, Target] = catalogue_on(self.end)
        self.bases: tuple[Agency, ...] = tuple(agencies_on(self.start))
        self.agencies: tuple[Agency, ...] = tuple(
            a for a in all_agencies()
            if (a.valid_from is None or a.valid_from <= self.end)
            and (a.valid_to is None or a.valid_to >= self.start)
        )
        self._agency = {a.id: a for a in self.agencies}
        self._bases_of = {a.id: self._covered_bases(a) for a in self.agencies}
        self.applicable: dict[str, tuple[Target, ...]] = {
            a.id: tuple(t for t in self.targets.values() if target_applies_to(t, a)) for a in self.agencies
        }
        self._models: dict[tuple[str, str], Model] = {}
        for target in self.targets.values():
            if target.kind is not TargetKind.MILESTONE:
                self._models.update(self._build(target))
        self._anchor_ratios()
        self._milestones = self._milestone_days()
        self._check_anchors()

    # ---- lookup ---------------------------------------------------------------------
    def rng(self, *parts: str) -> random.Random:
        """An independent, reproducible random stream for one purpose (string seeding is stable)."""
        return random.Random("|".join((str(self.seed), str(self.year), *parts)))

    def agency(self, agency_id: str) -> Agency:
        """A simulated agency."""
        return self._agency[agency_id]

    def window(self, agency_id: str) -> tuple[date, date]:
        """The first and last day on which the agency exists and reports: from the
        baseline day (a unit of 1 January reports its baseline) or its formation, to
        31 December or its dissolution."""
        a = self._agency[agency_id]
        return max(a.valid_from or self.baseline, self.baseline), min(a.valid_to or self.end, self.end)

    def bases_of(self, agency_id: str) -> tuple[str, ...]:
        """The base units whose figures make up the agency's."""
        return self._bases_of[agency_id]

    def value(self, agency_id: str, target_id: str, day: date) -> tuple[int, int] | int:
        """The agency's true figure on ``day`` (a day it exists)."""
        return self.value_at(agency_id, self.targets[target_id], day.toordinal())

    def value_at(self, agency_id: str, target: Target, day: int) -> tuple[int, int] | int:
        """:meth:`value` for an ordinal day: the hot path of the plan."""
        models = [self._models[(b, target.id)] for b in self._bases_of[agency_id]]
        if target.kind is TargetKind.RATIO:
            num = den = 0
            for m in models:
                n, d = m.at(day)
                num += n
                den += d
            return num, den
        if isinstance(models[0], LevelCount):
            return max(m.at(day) for m in models)
        return sum(m.at(day) for m in models)

    def done_on(self, agency_id: str, target_id: str) -> date | None:
        """The day the agency reached the milestone, or None if it never does."""
        return self._milestones[(agency_id, target_id)]

    def units_on(self, target_id: str, day: date) -> list[str]:
        """The agencies the target applies to on ``day``."""
        return [a.id for a in agencies_on(day)
                if a.id in self._agency and any(t.id == target_id for t in self.applicable[a.id])]

    def national(self, target_id: str, day: date) -> Fraction:
        """The true national figure on ``day``: Σ num ÷ Σ den, Σ counts, share done, or
        share of agencies that reached the target."""
        target = self.targets[target_id]
        units = self.units_on(target_id, day)
        if target.kind is TargetKind.MILESTONE:
            done = sum(1 for u in units if (d := self.done_on(u, target_id)) is not None and d <= day)
            return Fraction(done, len(units))
        values = [self.value(u, target_id, day) for u in units]
        if target.kind is TargetKind.RATIO:
            return Fraction(sum(n for n, _ in values), sum(d for _, d in values))
        if target.aggregation is Aggregation.SHARE_REACHED:
            return Fraction(sum(1 for v in values if v >= target.target_value), len(units))
        return Fraction(sum(values))

    def national_total(self, target_id: str, day: date) -> int:
        """What the national figure of ``day`` counts against: Σ denominators of a ratio,
        the applicable agencies of a milestone or of a count each must reach."""
        target = self.targets[target_id]
        units = self.units_on(target_id, day)
        if target.kind is TargetKind.RATIO:
            return sum(self.value(u, target_id, day)[1] for u in units)
        return len(units)

    # ---- construction -------------------------------------------------------------------
    def _covered_bases(self, agency: Agency) -> tuple[str, ...]:
        first = max(agency.valid_from or self.start, self.start)
        return tuple(b.id for b in self.bases if successor_of(b.id, first) == agency.id)

    def _eligible(self, target: Target) -> list[Agency]:
        return [b for b in self.bases if target_applies_to(target, b)]

    def _build(self, target: Target) -> dict[tuple[str, str], Model]:
        if target.id in ITEM_SCHEDULES:
            return self._items(target)
        if target.id in SHARED_TOTALS:
            return self._shared(target)
        builder = _BUILDERS.get(target.id)
        if builder is None:
            # A new target needs a plausible path of its own, not a guess.
            raise ValueError(f"no trajectory for target {target.id!r}: add it to services/simulate/trajectories.py")
        return {(b.id, target.id): builder(self, target, b, self.rng(target.id, b.id)) for b in self._eligible(target)}

    def _items(self, target: Target) -> dict[tuple[str, str], Model]:
        schedule = ITEM_SCHEDULES[target.id]
        if schedule[0][0] != self.baseline or any(d1 <= d0 or t1 < t0 for (d0, t0), (d1, t1)
                                                  in zip(schedule, schedule[1:])):
            raise ValueError(f"ITEM_SCHEDULES[{target.id!r}] must start on {self.baseline} and rise day by day")
        eligible = self._eligible(target)
        weights = [_item_weight(target.id, b) for b in eligible]
        rng = self.rng(target.id, "items")
        done: dict[str, list[int]] = {b.id: [] for b in eligible}
        knot = 0
        for item in range(schedule[-1][1]):
            owner = rng.choices(eligible, weights)[0]
            while schedule[knot][1] <= item:
                knot += 1
            if knot == 0:
                # Done before the year: counted from the baseline on.
                day = self.baseline.toordinal()
            else:
                # Done some day after the previous knot, at the latest on this one.
                first, last = schedule[knot - 1][0].toordinal() + 1, schedule[knot][0].toordinal()
                day = first + rng.randrange(last - first + 1)
            done[owner.id].append(day)
        return {(b, target.id): ItemCount(tuple(sorted(days))) for b, days in done.items()}

    def _shared(self, target: Target) -> dict[tuple[str, str], Model]:
        """A national total of items shared out among the agencies by size (largest
        remainder, so the shares add up to it), each with a share done rising over the year."""
        total = SHARED_TOTALS[target.id]
        eligible = self._eligible(target)
        weights = [_ministry(b).procedures for b in eligible]
        exact = [Fraction(total * w, sum(weights)) for w in weights]
        dens = [int(x) for x in exact]
        by_remainder = sorted(range(len(eligible)), key=lambda i: (exact[i] - dens[i], eligible[i].id), reverse=True)
        for i in by_remainder[: total - sum(dens)]:
            dens[i] += 1
        models = {}
        for b, den in zip(eligible, dens):
            rng = self.rng(target.id, b.id)
            first = _uniform(rng, 0.7, 0.95)
            final = min(1.0, first + _uniform(rng, 0.03, 0.15))
            models[(b.id, target.id)] = _shares(den, [(self.start, first), (self.end, final)])
        return models

    def _anchor_ratios(self) -> None:
        """Move the anchor-day numerators of ratio targets so Σ num ÷ Σ den is the seed's figure."""
        for anchor in ANCHORS:
            target = self.targets[anchor.target_id]
            if target.kind is not TargetKind.RATIO:
                continue
            models = {b.id: self._models[(b.id, target.id)] for b in self._eligible(target)}
            units = set(self.units_on(target.id, anchor.on))
            if units != set(models):
                raise ValueError(f"anchor {anchor} falls on a day when units are not base units")
            self._pin(target, anchor, models)

    def _pin(self, target: Target, anchor: Anchor, models: dict[str, StockRatio]) -> None:
        day = anchor.on.toordinal()
        dens = {b: m.denominator for b, m in models.items()}
        if anchor.total is None:
            # Σ den × value must be whole: the largest unit counts a few more records to make it so.
            largest = max(dens, key=lambda b: (dens[b], b))
            dens[largest] += next(k for k in range(anchor.value.denominator)
                                  if (anchor.value * (sum(dens.values()) + k)).denominator == 1)
        elif sum(dens.values()) != anchor.total:
            raise ValueError(f"anchor {anchor}: the denominators add up to {sum(dens.values())}")
        nums = {b: m.numerator.at(day) for b, m in models.items()}
        gap = int(anchor.value * sum(dens.values())) - sum(nums.values())
        order = sorted(models)
        self.rng(target.id, "anchor", anchor.on.isoformat()).shuffle(order)
        while gap:
            step = 1 if gap > 0 else -1
            movable = [b for b in order if 0 <= nums[b] + step <= dens[b]]
            if not movable:
                raise ValueError(f"anchor {anchor} is out of reach")
            share = max(1, abs(gap) // len(movable))
            for b in movable:
                room = dens[b] - nums[b] if step > 0 else nums[b]
                move = min(share, room, abs(gap))
                nums[b] += step * move
                gap -= step * move
                if not gap:
                    break
        for b, m in models.items():
            # Pin the anchor day; the path before it may not exceed it nor the path after fall below it.
            days, values = list(m.numerator.days), list(m.numerator.values)
            if day in days:
                values[days.index(day)] = nums[b]
            else:
                i = bisect.bisect_left(days, day)
                days.insert(i, day)
                values.insert(i, nums[b])
            values = [min(v, nums[b]) if d < day else max(v, nums[b]) if d > day else v
                      for d, v in zip(days, values)]
            self._models[(b, target.id)] = StockRatio(dens[b], Knots(tuple(days), tuple(values)))

    def _check_anchors(self) -> None:
        """Every seed figure holds on its day, whatever the seed drew: a schedule or a
        milestone path that misses one is a bug here, not a plausible variation."""
        for anchor in ANCHORS:
            if anchor.target_id not in self.targets:
                raise ValueError(f"anchor {anchor} names a target the catalogue does not have")
            figure = self.national(anchor.target_id, anchor.on)
            total = self.national_total(anchor.target_id, anchor.on)
            if figure != anchor.value or anchor.total not in (None, total):
                raise ValueError(f"the simulation misses the anchor {anchor}: {figure} of {total}")

    def _milestone_days(self) -> dict[tuple[str, str], date | None]:
        days: dict[tuple[str, str], date | None] = {}
        # Base units first: a successor's day depends on its predecessors'.
        for agency in sorted(self.agencies, key=lambda a: a.valid_from or date.min):
            for target in self.applicable[agency.id]:
                if target.kind is TargetKind.MILESTONE:
                    days[(agency.id, target.id)] = self._milestone_day(agency, target, days)
        return days

    def _milestone_day(self, agency: Agency, target: Target, known: dict) -> date | None:
        if target.id in FIXED_MILESTONES:
            return FIXED_MILESTONES[target.id]
        if (target.id, agency.id) in DONE_BEFORE:
            return DONE_BEFORE[(target.id, agency.id)]
        rng = self.rng(target.id, agency.id, "milestone")
        if agency.predecessors and agency.valid_from is not None:
            formed = agency.valid_from
            before = [known[(p, target.id)] for p in agency.predecessors]
            if all(d is not None for d in before):
                # Every part had done it: the new unit carries it from its first day.
                return max(formed, *before)
            return formed + timedelta(days=rng.randint(20, 150)) if rng.random() < 0.7 else None
        if target.deadline is None:
            return self._untimed_day(target, rng)
        deadline = target.deadline
        earliest = max(EARLIEST_MILESTONE.get(target.id, date.min), deadline - timedelta(days=75))
        u = rng.random()
        if u < 0.62:
            return max(earliest, deadline - timedelta(days=rng.randint(0, 75)))
        if u < 0.88:
            return deadline + timedelta(days=rng.randint(1, 90))
        if u < 0.95:
            return deadline + timedelta(days=rng.randint(91, 200))
        return None

    def _untimed_day(self, target: Target, rng: random.Random) -> date | None:
        path = UNTIMED_MILESTONES.get(target.id)
        if path is None:
            raise ValueError(f"no path for the untimed milestone {target.id!r}: add it to UNTIMED_MILESTONES")
        u = rng.random()
        if u < path.by_baseline:
            return _day_between(rng, path.since, self.baseline)
        if u < path.by_year_end:
            return _day_between(rng, self.start, self.end)
        return None


def _item_weight(target_id: str, base: Agency) -> float:
    if target_id == "essential_services":
        return _ministry(base).essential
    if target_id == "procedures_vneid":
        return _ministry(base).vneid
    return 1.0


def _population(base: Agency) -> int:
    return PROVINCE_POPULATION_K[base.id]


def _ministry(base: Agency) -> MinistryProfile:
    return MINISTRY_PROFILES[base.id]


def _jitter(rng: random.Random, value: float, spread: float = 0.25) -> int:
    return max(1, int(value * _uniform(rng, 1 - spread, 1 + spread)))


def _shares(den: int, points: list[tuple[date, float]]) -> StockRatio:
    return StockRatio(den, _knots([(d, int(den * s)) for d, s in points]))


def _mid(truth: Truth) -> date:
    return date(truth.year, 6, 30)


def _flow(truth: Truth, per_day: int, start_share: float, end_share: float) -> FlowRatio:
    end_share = max(start_share, end_share)
    knots = _knots([(truth.start, int(start_share * PPM)), (truth.end, int(end_share * PPM))])
    return FlowRatio(per_day, truth.start.toordinal(), date(truth.year - 1, 1, 1).toordinal(), knots)


def _dossiers_per_day(base: Agency, rng: random.Random) -> int:
    if base.kind is AgencyKind.PROVINCE:
        # ≈ 18 dossiers a month per thousand inhabitants (Hà Nội: ~157,000 a month).
        return _jitter(rng, _population(base) * 18 / 30.4)
    return _jitter(rng, _ministry(base).dossiers_per_day)


def _online_dossier_rate(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    start = _uniform(rng, 0.45, 0.75)
    return _flow(truth, _dossiers_per_day(base, rng), start, start + _uniform(rng, 0.05, 0.25))


def _dossiers_with_personal_id(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    start = _uniform(rng, 0.6, 0.9)
    return _flow(truth, _dossiers_per_day(base, rng), start, _complete(rng, 0.15, max(start, 0.85), 1.0))


def _procedure_path(truth: Truth, den: float, rng: random.Random, start: tuple[float, float],
                    on_time: float, late: tuple[float, float]) -> Model:
    first, end = _uniform(rng, *start), _complete(rng, on_time, *late)
    middle = first + (end - first) * _uniform(rng, 0.5, 0.7)
    return _shares(int(den), [(truth.start, first), (_mid(truth), middle), (truth.end, end)])


def _end_to_end_services(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    den = _uniform(rng, 1550, 1950) if base.kind is AgencyKind.PROVINCE else _jitter(rng, _ministry(base).procedures)
    return _procedure_path(truth, den, rng, (0.35, 0.65), 0.25, (0.7, 1.0))


def _end_to_end_procedures(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    # The procedures eligible to go online end to end: about half of an agency's procedures.
    whole = _uniform(rng, 1550, 1950) if base.kind is AgencyKind.PROVINCE else _ministry(base).procedures
    den = _jitter(rng, whole * _uniform(rng, 0.45, 0.6), 0.1)
    return _procedure_path(truth, den, rng, (0.45, 0.75), 0.3, (0.8, 0.99))


def _deadline_share(truth: Truth, target: Target, rng: random.Random, start: tuple[float, float],
                    on_time: float, late: tuple[float, float], year_end: float) -> list[tuple[date, float]]:
    """Shares that climb to the deadline (most agencies reach 100 %) and creep on after it."""
    first = _uniform(rng, *start)
    at_deadline = _complete(rng, on_time, *late)
    final = max(at_deadline, _complete(rng, year_end, max(at_deadline, 0.95), 1.0))
    points = [(truth.start, first), (truth.end, final)]
    if target.deadline is not None and truth.start < target.deadline < truth.end:
        points.append((target.deadline, at_deadline))
    return points


def _leaders_count(base: Agency) -> int:
    return 150 + _population(base) // 25 if base.kind is AgencyKind.PROVINCE else _ministry(base).leaders


def _leaders(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    return _shares(_jitter(rng, _leaders_count(base), 0.1),
                   _deadline_share(truth, target, rng, (0.7, 0.92), 0.65, (0.9, 0.99), 0.85))


def _leaders_data_driven(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    # Following tasks and directing on data is newer than signing digitally: lower start, more late.
    return _shares(_jitter(rng, _leaders_count(base), 0.1),
                   _deadline_share(truth, target, rng, (0.45, 0.8), 0.5, (0.8, 0.98), 0.8))


def _officials(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    size = _population(base) * 5.5 if base.kind is AgencyKind.PROVINCE else _ministry(base).leaders * 40
    return _shares(_jitter(rng, size), _deadline_share(truth, target, rng, (0.55, 0.8), 0.4, (0.82, 0.99), 0.75))


def _civil_registry(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    den = _jitter(rng, _population(base) * 1000 * 1.1, 0.2)
    first = _uniform(rng, 0.92, 0.975)
    # Knots at the deadline (31/03) and mid-year; the session day 18/03 is pinned later.
    march = max(first, _complete(rng, 0.3, 0.955, 1.0))
    june = max(march, _complete(rng, 0.7, march, 1.0))
    final = max(june, _complete(rng, 0.92, june, 1.0))
    points = [(truth.start, first), (target.deadline, march), (_mid(truth), june), (truth.end, final)]
    return _shares(den, points)


def _land(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    den = _jitter(rng, _population(base) * 1000 * 0.6, 0.2)
    return _shares(den, _deadline_share(truth, target, rng, (0.45, 0.75), 0.35, (0.8, 0.99), 0.8))


def _national_databases(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    # The national databases a ministry owns: a few for the big owners, one for most.
    owned = 1 + (rng.random() < 0.3) + (base.id in _DATABASE_OWNERS) * 2
    return _shares(owned, _deadline_share(truth, target, rng, (0.0, 0.6), 0.55, (0.4, 0.9), 0.8))


# Owners of the largest national databases (population, land, insurance and finance).
_DATABASE_OWNERS = frozenset({"bo-cong-an", "bo-tai-nguyen-va-moi-truong", "bo-tai-chinh"})


def _adult_users(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    den = int(_population(base) * 1000 * _uniform(rng, 0.68, 0.74))
    return _shares(den, [(truth.start, _uniform(rng, 0.18, 0.33)), (truth.end, _uniform(rng, 0.32, 0.55))])


def _biometric(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    # Airports, seaports and border gates: about 170 checkpoints, all equipped by year end.
    year = truth.year
    knots = [(truth.start, 62), (date(year, 3, 31), 81), (date(year, 6, 30), 118), (date(year, 9, 30), 149),
             (truth.end, 170)]
    return StockRatio(170, _knots(knots))


def _procedures_local(truth: Truth, target: Target, base: Agency, rng: random.Random) -> Model:
    goal = int(target.target_value)
    first = rng.randint(0, goal // 5)
    final = goal if rng.random() < 0.35 else rng.randint(goal * 11 // 20, goal - 1)
    middle = first + (final - first) * rng.randint(40, 70) // 100
    # A province that gets through the list does so some day of the autumn, not on 31/12.
    last = _day_between(rng, date(truth.year, 9, 1), date(truth.year, 12, 15)) if final == goal else truth.end
    return LevelCount(_knots([(truth.start, first), (_mid(truth), middle), (last, final)]))


_BUILDERS: dict[str, Callable[[Truth, Target, Agency, random.Random], Model]] = {
    "online_dossier_rate": _online_dossier_rate,
    "dossiers_with_personal_id": _dossiers_with_personal_id,
    "end_to_end_services": _end_to_end_services,
    "end_to_end_procedures": _end_to_end_procedures,
    "leaders_digital_signature": _leaders,
    "leaders_data_driven": _leaders_data_driven,
    "officials_digital_signature": _officials,
    "civil_registry_digitised": _civil_registry,
    "land_database": _land,
    "national_databases_completed": _national_databases,
    "adult_online_users": _adult_users,
    "biometric_checkpoints": _biometric,
    "procedures_local_data": _procedures_local,
}
