"""sweep_tail and Evaluator.tail (the end of a series, by binary search) against sweep and
Evaluator.timeline (the whole series, by a walk through every point)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.scoring.figures import Count, Ratio
from shared.scoring.history import Point
from shared.scoring.sweep import Totals, sweep, sweep_tail

from .builders import PROJECTOR
from .streams import AGENCIES, EVALUATION_DAYS, build, ops

START = date(2025, 1, 1)

_series = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 50), st.integers(1, 50)), max_size=12)


def _points(rows: list[tuple[int, int, int]], index: int) -> list[Point]:
    by_day = {}
    for k, (day, num, den) in enumerate(rows):
        by_day[day] = Point(START + timedelta(days=day), Ratio(min(num, den), den), 1000 * k + index, f"a{index}",
                            f"e{k}")
    return [by_day[d] for d in sorted(by_day)]


def _ratio(day: date, totals: Totals, current: dict[int, Point]) -> Ratio:
    return Ratio(totals.num, totals.den)


def _count(day: date, totals: Totals, current: dict[int, Point]) -> Count:
    return Count(len(current) * 10 + totals.present)


@given(st.lists(_series, max_size=6))
def test_the_tail_is_the_end_of_the_whole_sweep(rows) -> None:
    series = [_points(r, i) for i, r in enumerate(rows)]
    for make in (_ratio, _count):
        assert sweep_tail([(p, None) for p in series], make) == sweep([(p, None) for p in series], make)[-2:]


@given(st.lists(_series, min_size=1, max_size=5), st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=5,
                                                           max_size=5))
def test_series_that_end_stop_counting_in_the_tail_as_in_the_sweep(rows, ends) -> None:
    series = [(_points(r, i), None if ends[i] is None else START + timedelta(days=ends[i]))
              for i, r in enumerate(rows)]
    for make in (_ratio, _count):
        assert sweep_tail(series, make) == sweep(series, make)[-2:]


@settings(max_examples=60, deadline=None)
@given(ops, st.sampled_from(EVALUATION_DAYS))
def test_the_tail_of_every_agency_is_the_end_of_its_timeline(operations, on) -> None:
    # Reorganised agencies included: their timelines roll up their predecessors'.
    ev = PROJECTOR.evaluator(build(operations).fold(), on)
    for agency_id in AGENCIES:
        for target in ev.targets.values():
            assert ev.tail(agency_id, target) == ev.timeline(agency_id, target)[-2:]
