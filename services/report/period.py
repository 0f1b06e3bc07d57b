"""Report periods: a month (``2025-06``), a quarter (``2025-Q2``) or a year (``2025``),
and which of them are due for the scheduled reports on a given day. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.domain.temporal import month_end

_PATTERNS = (
    (re.compile(r"([0-9]{4})-([0-9]{2})"), "month"),
    (re.compile(r"([0-9]{4})-[Qq]([1-4])"), "quarter"),
    (re.compile(r"([0-9]{4})"), "year"),
)


class PeriodKind(StrEnum):
    """How long a period is; also the order reports of one day are built in."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year. ``index`` is the month (1–12), the quarter
    (1–4), or 1 for a year."""

    kind: PeriodKind
    year: int
    index: int = 1

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2025-06``, ``2025-Q2`` or ``2025``; ValueError with the accepted forms otherwise."""
        for pattern, kind in _PATTERNS:
            m = pattern.fullmatch(text.strip())
            if m is None:
                continue
            year = int(m.group(1))
            index = int(m.group(2)) if kind != "year" else 1
            if kind == "month" and not 1 <= index <= 12:
                break
            if year < 2020:
                raise ValueError(f"{text!r}: the ledger starts in 2020")
            return cls(PeriodKind(kind), year, index)
        raise ValueError(f"{text!r} is not a period; write a month 2025-06, a quarter 2025-Q2 or a year 2025")

    @property
    def code(self) -> str:
        """The period as it is written on the command line and in file names."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}"

    @property
    def first_month(self) -> int:
        return {PeriodKind.MONTH: self.index, PeriodKind.QUARTER: 3 * self.index - 2, PeriodKind.YEAR: 1}[self.kind]

    @property
    def months(self) -> int:
        return {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[self.kind]

    @property
    def start(self) -> date:
        """The first day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period: the day its figures are taken on."""
        return month_end(self.year, self.first_month + self.months - 1)

    @property
    def due(self) -> date:
        """The day the scheduled report is built: the day after the period ends."""
        return self.end + timedelta(days=1)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        if self.kind is PeriodKind.YEAR:
            return Period(self.kind, self.year - 1)
        per_year = 12 if self.kind is PeriodKind.MONTH else 4
        if self.index == 1:
            return Period(self.kind, self.year - 1, per_year)
        return Period(self.kind, self.year, self.index - 1)

    def next(self) -> Period:
        """The period of the same length just after this one."""
        if self.kind is PeriodKind.YEAR:
            return Period(self.kind, self.year + 1)
        per_year = 12 if self.kind is PeriodKind.MONTH else 4
        if self.index == per_year:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.index + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.code


def month_ends(last: date, count: int) -> list[date]:
    """``count`` month ends, oldest first, the newest being the end of ``last``'s month."""
    out = []
    year, month = last.year, last.month
    for _ in range(count):
        out.append(month_end(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def due_periods(today: date, since: Period) -> list[Period]:
    """Every month, quarter and year whose report is due by ``today`` (the period has
    ended), starting with the one that holds ``since``'s first day; in the order they
    fall due, a month before the quarter and the year that end with it."""
    order = list(PeriodKind)
    out: list[Period] = []
    for kind in order:
        first = _containing(kind, since.start)
        period = first
        while period.due <= today:
            out.append(period)
            period = period.next()
    return sorted(out, key=lambda p: (p.end, order.index(p.kind)))


def _containing(kind: PeriodKind, day: date) -> Period:
    if kind is PeriodKind.MONTH:
        return Period(kind, day.year, day.month)
    if kind is PeriodKind.QUARTER:
        return Period(kind, day.year, (day.month - 1) // 3 + 1)
    return Period(kind, day.year)
