"""Combining series day by day: the running totals over the latest point of each series,
for the roll-up of predecessors and for national figures."""

from __future__ import annotations

import bisect
from datetime import date

from shared.scoring.figures import Count, Fig, Ratio
from shared.scoring.history import Point, point_day


class Totals:
    """Running sums over the series a sweep currently counts."""

    __slots__ = ("num", "den", "n", "present", "done")

    def __init__(self) -> None:
        self.num = self.den = self.n = self.present = self.done = 0

    def add(self, fig: Fig, sign: int) -> None:
        """Count ``fig`` in (``sign`` 1) or out (``sign`` -1)."""
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
            points = points[:bisect.bisect_right(points, until, key=point_day)]
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
            j = bisect.bisect_right(points, day, key=point_day)
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
