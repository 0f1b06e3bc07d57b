"""Number, date and figure formats in Vietnamese and English."""

from datetime import date, datetime, timezone

import pytest

from services.report.period import Period
from services.report.texts import Texts

VI, EN = Texts("vi"), Texts("en")


def test_numbers_use_each_languages_separators():
    assert (VI.number(1_472_912), EN.number(1_472_912)) == ("1.472.912", "1,472,912")
    assert (VI.pct(0.8375), EN.pct(0.8375)) == ("83,8%", "83.8%")
    assert (VI.signed(-3.25, 1), VI.signed(20), VI.signed(0)) == ("−3,2", "+20", "0")


def test_a_share_short_of_the_target_never_reads_100_percent():
    assert VI.pct(1_472_912 / 1_473_152) == "99,9%"
    assert VI.pct(1.0) == "100,0%"


@pytest.mark.parametrize("code, vi, en", [("2025-06", "Tháng 6/2025", "June 2025"),
                                          ("2025-Q4", "Quý IV/2025", "Q4 2025"), ("2025", "Năm 2025", "Year 2025")])
def test_periods_are_named_as_each_language_writes_them(code, vi, en):
    assert (VI.period(Period.parse(code)), EN.period(Period.parse(code))) == (vi, en)


def test_days_and_instants_are_in_vietnam_time():
    at = datetime(2025, 6, 30, 17, 30, tzinfo=timezone.utc)
    assert VI.instant(at) == "01/07/2025 00:30 (giờ Việt Nam)"
    assert EN.day(date(2025, 3, 31)) == "31 Mar 2025"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="vi, en"):
        Texts("fr")


def test_a_unit_whose_successor_kept_its_name_is_told_apart_by_its_last_day():
    vi, en = Texts("vi"), Texts("en")
    assert vi.agency_name("da-nang") == "Thành phố Đà Nẵng (đến 30/06/2025)"
    assert vi.agency_name("da-nang-2025") == "Thành phố Đà Nẵng"
    assert en.agency_name("da-nang") == "Da Nang (until 30 Jun 2025)"
    assert vi.agency_name("quang-nam") == "Tỉnh Quảng Nam", "merged under another name: its own name is enough"
