"""Number, date, name and figure formats of the report, in Vietnamese (the default) and
English; the words themselves are in :mod:`services.report.wording`.

Vietnamese writes 395.120 and 83,8%; English 395,120 and 83.8% (no space before the
per cent sign, as the Government's documents write it). Names of targets and agencies
come from the catalogue and the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from shared.domain.agencies import accountable_head, get_agency
from shared.domain.catalogue import Target, TargetKind
from shared.domain.reasons import describe
from shared.domain.temporal import VIETNAM_TZ
from shared.presentation.figures import number
from shared.presentation.labels import status_detail, status_label
from shared.presentation.names import name_in_text

from services.report.period import Period, PeriodKind
from services.report.wording import LABELS, METHOD

LANGUAGES = ("vi", "en")

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


class Texts:
    """Labels and number, date and figure formats of one language, for a report whose
    figures are as of ``on``: a unit that still existed on ``on`` is named without the
    day it later ceased to exist, since a report never uses what was known only later."""

    def __init__(self, lang: str, on: date | None = None) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.on = on
        self.labels = LABELS[lang]
        self.method_paragraphs = METHOD[lang]

    def __getitem__(self, key: str) -> str:
        return self.labels[key]

    def fmt(self, key: str, **values: Any) -> str:
        """A label with its ``{placeholders}`` filled in."""
        return self.labels[key].format(**values)

    # ---- numbers ---------------------------------------------------------------------
    def number(self, n: int | float, digits: int = 0) -> str:
        """Grouped thousands, ``digits`` decimals, in the language's separators."""
        return number(n, self.lang, digits)

    def pct(self, share: float | None, digits: int = 1) -> str:
        """A share (0.838) as a percentage ("83,8%"). A share short of 1 never shows as
        100%: 99.98% reads "99,9%", since "100%" would say the target is met."""
        if share is None:
            return self["none"]
        percent = share * 100
        if share < 1 and round(percent, digits) >= 100:
            percent = 100 - 10 ** -digits
        return f"{self.number(percent, digits)}%"

    def signed(self, n: float, digits: int = 0) -> str:
        """A change with its sign; a true minus sign, not a hyphen."""
        text = self.number(abs(n), digits)
        return f"+{text}" if n > 0 else (f"−{text}" if n < 0 else text)

    # ---- dates ----------------------------------------------------------------------------
    def day(self, d: date | None) -> str:
        if d is None:
            return self["none"]
        if self.lang == "vi":
            return d.strftime("%d/%m/%Y")
        return f"{d.day} {_MONTHS_EN[d.month - 1][:3]} {d.year}"

    def month(self, d: date) -> str:
        """A month on a chart axis: "06/25", "Jun 25"."""
        if self.lang == "vi":
            return f"{d.month:02d}/{d.year % 100:02d}"
        return f"{_MONTHS_EN[d.month - 1][:3]} {d.year % 100:02d}"

    def instant(self, at: datetime) -> str:
        """An instant in Vietnam time, to the minute."""
        local = at.astimezone(VIETNAM_TZ)
        return f"{self.day(local.date())} {local:%H:%M} ({self['vietnam_time']})"

    def period(self, p: Period) -> str:
        """``Quý II/2025`` / ``Q2 2025``."""
        vi = self.lang == "vi"
        if p.kind is PeriodKind.MONTH:
            return f"Tháng {p.index}/{p.year}" if vi else f"{_MONTHS_EN[p.index - 1]} {p.year}"
        if p.kind is PeriodKind.QUARTER:
            return f"Quý {_ROMAN[p.index]}/{p.year}" if vi else f"Q{p.index} {p.year}"
        return f"Năm {p.year}" if vi else f"Year {p.year}"

    def span(self, p: Period) -> str:
        return f"{self.day(p.start)} – {self.day(p.end)}"

    # ---- names ----------------------------------------------------------------------------
    def status(self, status: str) -> str:
        """The status in words ("Chậm so với lộ trình")."""
        return status_label(status, self.lang)

    def status_on(self, status: str, deadline: date | None, on: date, met_on: date | None = None) -> str:
        """The status with its days: "Hoàn thành quá hạn 12 ngày", "Quá hạn 365 ngày, chưa
        hoàn thành", "Đến hạn hôm nay, chưa hoàn thành"."""
        return status_detail(status, self.lang, deadline, on, met_on)

    def target_name(self, target: Target) -> str:
        return target.name_vi if self.lang == "vi" else target.name_en

    def agency_name(self, agency_id: str) -> str:
        """The agency's name as a table cell starts with it ("Tỉnh Cao Bằng"); a unit whose
        successor took over its very name (Thành phố Đà Nẵng before and after the 2025
        merger) is told apart by its last day, but only where that day had passed by the
        report's day: a Q1 report names Thành phố Đà Nẵng as it then was."""
        agency = get_agency(agency_id)
        name = (agency.name_en or agency.name_vi) if self.lang == "en" else agency.name_vi
        return name + self._ended(agency_id)

    def agency_in_text(self, agency_id: str) -> str:
        """The agency's name in running text: unit types in lower case ("tỉnh Cao Bằng",
        "Thành phố Hồ Chí Minh" keeps its capital), as a sentence or a list names it."""
        if self.lang == "en":
            return self.agency_name(agency_id)
        return name_in_text(agency_id, self.lang) + self._ended(agency_id)

    def head(self, agency_id: str, day: date) -> str:
        """The position that answers for the agency's tasks on ``day`` ("Chủ tịch UBND tỉnh
        Cao Bằng"), through its successor if it had ceased to exist by then."""
        return accountable_head(agency_id, day, lang=self.lang)

    def _ended(self, agency_id: str) -> str:
        agency = get_agency(agency_id)
        if agency.successor is None or get_agency(agency.successor).name_vi != agency.name_vi:
            return ""
        if self.on is not None and agency.valid_to >= self.on:
            return ""
        return f" ({self['until']} {self.day(agency.valid_to)})"

    def reason(self, code: str) -> str:
        """The reason code's description in this language."""
        vietnamese, english = describe(code).split(" — ", 1)
        return vietnamese if self.lang == "vi" else english

    # ---- figures ----------------------------------------------------------------------------
    def unit(self, target: Target) -> str:
        return target.unit if self.lang == "vi" else target.unit_en

    def goal(self, target: Target) -> str:
        """The target value in words: "≥ 80 %", "324 thủ tục", "hoàn thành"."""
        if target.kind is TargetKind.RATIO:
            sign = "≥ " if target.higher_is_better and target.target_value < 1 else ""
            return f"{sign}{self.pct(target.target_value, 0)}"
        if target.kind is TargetKind.COUNT:
            return f"{self.number(target.target_value)} {self.unit(target)}"
        return self["goal_done"]

    def national_value(self, target: Target, value: float | None, numerator: int | None,
                       denominator: int | None) -> str:
        """A national figure: a percentage, a count, or agencies done of applicable."""
        if value is None:
            return self["none"]
        if target.kind is TargetKind.RATIO:
            return self.pct(value)
        if target.kind is TargetKind.COUNT:
            return self.number(value)
        return self.fmt("done_of", done=self.number(numerator), of=self.number(denominator))

    def agencies_met(self, met: int, agencies: int) -> str:
        """"21/34 cơ quan đạt": how many of the agencies a target binds have reached it."""
        return self.fmt("agencies_met", met=self.number(met), of=self.number(agencies))

    def agency_value(self, target: Target, value: float | None, numerator: int | None,
                     denominator: int | None) -> str:
        """One agency's figure: "62,5 % (125/200)", "17", "đã xong"."""
        if value is None:
            return self["no_report"]
        if target.kind is TargetKind.RATIO:
            return f"{self.pct(value)} ({self.number(numerator)}/{self.number(denominator)})"
        if target.kind is TargetKind.COUNT:
            return self.number(value)
        return self["done"] if value >= 1 else self["not_done"]

    def figure(self, figure: dict[str, Any] | None) -> str:
        """A figure as an event carries it (``{"type": "ratio", ...}``)."""
        if figure is None:
            return self["withdrawn"]
        if figure["type"] == "ratio":
            share = figure["numerator"] / figure["denominator"]
            return f"{self.pct(share)} ({self.number(figure['numerator'])}/{self.number(figure['denominator'])})"
        if figure["type"] == "count":
            return self.number(figure["count"])
        if figure["done"]:
            return f"{self['done']} ({self.day(date.fromisoformat(figure['done_on']))})"
        return self["not_done"]

    def change(self, target: Target, value: float | None, numerator: int | None, previous: float | None,
               previous_numerator: int | None) -> str:
        """The change of a national figure since the previous period: percentage points,
        a count, or agencies done."""
        if value is None:
            return self["none"]
        if previous is None:
            return self["first_figure"]
        if target.kind is TargetKind.RATIO:
            delta = round((value - previous) * 100, 1)
            return self["unchanged"] if delta == 0 else f"{self.signed(delta, 1)} {self['pp']}"
        if target.kind is TargetKind.COUNT:
            delta = value - previous
            return self["unchanged"] if delta == 0 else self.signed(delta)
        delta = (numerator or 0) - (previous_numerator or 0)
        return self["unchanged"] if delta == 0 else f"{self.signed(delta)} {self['agencies_unit']}"

    def rank_change(self, rank: int, previous: int) -> str:
        """"▲ 3" (up three places), "▼ 2" or "="."""
        moved = previous - rank
        if moved > 0:
            return f"▲ {moved}"
        if moved < 0:
            return f"▼ {-moved}"
        return "="
