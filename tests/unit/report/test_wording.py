"""The report reads as an administrative document in the Government's wording
(Nghị định 30/2020/NĐ-CP; issue 16): its header and closing, per cent signs, unit types in
running text, the request that opens the late-task section, technical material only in the
appendix, nothing a quarter's report could not have known at its end, and the English
report in the same structure."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from shared.presentation.labels import STATUS_EN, STATUS_VI, status_detail

from services.report.document import place_date
from services.report.render import render_markdown
from services.report.texts import Texts
from services.report.model import Standing
from services.report.view import REPLY_DAYS, _standings, build_view, issued_on
from tests.unit.report.conftest import CUTOFF

APPENDIX = {"vi": "## PHỤ LỤC I.", "en": "## APPENDIX I."}
# Phrasings the issue names as wrong, and the technical terms that belong to the appendix.
WRONG = ("có nguy cơ chậm, còn", "Người báo cáo cuối", "Số liệu cuối", "Chưa báo cáo lần nào", "điểm %", "trễ ",
         "số liệu đầu tiên", "Kính gửi")
TECHNICAL = ("bút toán", "sổ cái", "Merkle", "bad_signature", "numerator_exceeds_denominator", "tiendo report",
             "hàng đợi thư lỗi", "ledger", "dead letter")


@pytest.fixture(scope="module")
def text(reports):
    """(period code, language) -> (body, appendix) of the Markdown report, without charts
    and the figures block."""
    cache = {}

    def get(code: str, lang: str = "vi") -> tuple[str, str]:
        if (code, lang) not in cache:
            markdown = render_markdown(build_view(reports(code), lang, draw_charts=False))
            document = markdown.split("<!-- tiendo-report-figures")[0]
            body, appendix = document.split(APPENDIX[lang])
            cache[(code, lang)] = body, appendix
        return cache[(code, lang)]

    return get


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("code", ["2025-Q1", "2025-Q2", "2025"])
def test_a_per_cent_sign_follows_its_number_without_a_space(code, lang, text):
    body, appendix = text(code, lang)
    assert re.search(r"\d %", body + appendix) is None
    assert re.search(r"\d%", body)


def test_differences_of_percentages_are_in_percentage_points(text):
    body, _ = text("2025-Q2")
    assert re.search(r"[+−]\d+,\d điểm phần trăm", body)
    assert "percentage points" in text("2025-Q2", "en")[0]


@pytest.mark.parametrize("code", ["2025-Q1", "2025-Q2", "2025"])
def test_the_wrong_phrasings_are_gone(code, text):
    body, appendix = text(code)
    for phrase in WRONG:
        assert phrase not in body + appendix, phrase


def test_unit_types_are_lower_case_in_running_text(reports, text):
    body, _ = text("2025-Q2")
    silent = body.split("chưa gửi báo cáo nào trong kỳ:")[1].split("\n")[0]
    assert "tỉnh Cao Bằng" in silent and "Tỉnh" not in silent
    assert "Thành phố Hồ Chí Minh" in silent or "ho-chi-minh" not in reports("2025-Q2").silent
    # Mid-sentence (after a letter or a comma) a unit type never takes a capital, save the
    # proper name of Thành phố Hồ Chí Minh.
    assert re.search(r"[\w,] (Tỉnh|Thành phố) (?!Hồ Chí Minh)", body) is None
    assert "Chủ tịch UBND tỉnh" in body and "UBND Tỉnh" not in body


def test_the_header_and_closing_are_those_of_an_administrative_report(reports, text):
    body, _ = text("2025-Q2")
    head = body[:1500]
    for part in ("BAN CHỈ ĐẠO CỦA CHÍNH PHỦ VỀ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO, CHUYỂN ĐỔI SỐ VÀ "
                 "ĐỀ ÁN 06", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: …/BC-BCĐ",
                 "V/v tình hình thực hiện", "# BÁO CÁO", "quý II/2025"):
        assert part in head, part
    day = issued_on(reports("2025-Q2"))
    assert day == CUTOFF.date()
    assert place_date("Hà Nội", day, "vi") in head
    assert "Nơi nhận:" in body and "Lưu: VT, BCĐ." in body
    assert body.index("Nơi nhận:") > body.index("VI. ĐÍNH CHÍNH SỐ LIỆU")


@pytest.mark.parametrize("day, written", [
    (date(2026, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2026"),
    (date(2025, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2025"),
    (date(2025, 3, 9), "Hà Nội, ngày 09 tháng 3 năm 2025"),
    (date(2025, 12, 31), "Hà Nội, ngày 31 tháng 12 năm 2025"),
])
def test_the_date_line_writes_a_leading_zero_only_where_the_decree_does(day, written):
    assert place_date("Hà Nội", day, "vi") == written


def test_the_late_task_section_opens_with_the_request_and_names_the_accountable_head(reports, text):
    report = reports("2025-Q2")
    body, _ = text("2025-Q2")
    late = body.split("## III. NHIỆM VỤ QUÁ HẠN, CÓ NGUY CƠ CHẬM TIẾN ĐỘ")[1].split("## IV.")[0]
    reply_by = Texts("vi").day(issued_on(report) + timedelta(days=REPLY_DAYS))
    request = (f"Đề nghị các cơ quan dưới đây khẩn trương hoàn thành, báo cáo trước ngày {reply_by}, bảo đảm rõ "
               "người, rõ việc, rõ thời gian, rõ trách nhiệm, rõ kết quả.")
    assert late.lstrip().startswith(f"**{request}**")
    for column in ("Người đứng đầu chịu trách nhiệm", "Số liệu gần nhất", "Người báo cáo gần nhất",
                   "Mức đạt so với mục tiêu", "Giải trình"):
        assert column in late
    assert "Bộ trưởng Bộ Công an" in late and "Chủ tịch UBND tỉnh Lai Châu" in late
    assert "Chưa có báo cáo" in late
    # The deadline day itself is "đến hạn hôm nay", never "at risk, 0 days left".
    assert "Đến hạn hôm nay, chưa hoàn thành" in late and "còn 0 ngày" not in late


def test_technical_material_is_in_the_appendix_only(text):
    body, appendix = text("2025-Q2")
    for term in TECHNICAL:
        assert term not in body, term
    for term in ("bút toán", "Merkle", "bad_signature", "numerator_exceeds_denominator", "tiendo report amendments"):
        assert term in appendix, term


def test_a_quarters_report_uses_nothing_known_only_after_its_end(text):
    body, appendix = text("2025-Q1")
    assert "(đến " not in body + appendix, "no unit named by the day it ceased to exist, months later"
    assert "thành phố Đà Nẵng" in body, "Đà Nẵng is named as it then was"
    year_end = Texts("vi", date(2025, 12, 31))
    assert year_end.agency_name("da-nang") == "Thành phố Đà Nẵng (đến 30/06/2025)"
    assert Texts("vi", date(2025, 3, 31)).agency_name("da-nang") == "Thành phố Đà Nẵng"


def test_the_composite_score_is_labelled_as_tien_dos_own(text):
    body, _ = text("2025-Q2")
    assert "Điểm tổng hợp của Tiến độ" in body and "không phải Bộ chỉ số 766" in body
    assert "composite score is this system's own measure, not the 766 index" in text("2025-Q2", "en")[0]


def test_blocks_have_sections_of_their_own(text):
    body, _ = text("2025-Q2")
    summary = body.split("## I.")[1].split("## II.")[0]
    assert [h for h in re.findall(r"^### (.*)$", summary, re.M)] == \
        ["1. Khối bộ, ngành", "2. Khối địa phương", "3. Chung hai khối"]
    assert re.search(r"\d+/63 cơ quan đạt", summary) and re.search(r"\d+/80 cơ quan đạt", summary)
    assert "Cơ quan có số liệu trong 35 ngày" in summary, "the column says what it counts"


@pytest.mark.parametrize("code", ["2025-Q1", "2025-Q2", "2025"])
def test_the_english_report_follows_the_same_structure(code, text):
    for vi, en in zip(text(code, "vi"), text(code, "en")):
        assert len(re.findall(r"^#+ ", vi, re.M)) == len(re.findall(r"^#+ ", en, re.M))
        assert len(re.findall(r"^\|", vi, re.M)) == len(re.findall(r"^\|", en, re.M))


def test_every_status_has_words_in_both_languages_and_its_days():
    assert set(STATUS_VI) == set(STATUS_EN) == {"met", "met_late", "on_track", "at_risk", "overdue", "no_data",
                                                 "untimed"}
    deadline = date(2025, 6, 30)
    assert status_detail("met_late", "vi", deadline, date(2025, 9, 30), date(2025, 7, 12)) == \
        "Hoàn thành quá hạn 12 ngày"
    assert status_detail("overdue", "vi", date(2024, 12, 31), date(2025, 12, 31)) == \
        "Quá hạn 365 ngày, chưa hoàn thành"
    assert status_detail("overdue", "vi", deadline, deadline) == "Đến hạn hôm nay, chưa hoàn thành"
    assert status_detail("met", "vi", None, deadline) == "Hoàn thành"
    assert status_detail("met", "vi", deadline, deadline) == "Hoàn thành đúng hạn"
    assert status_detail("at_risk", "vi", deadline, date(2025, 5, 1)) == "Chậm so với lộ trình"
    assert status_detail("met_late", "en", deadline, date(2025, 9, 30), date(2025, 7, 1)) == "Completed 1 day late"


def test_only_a_unit_formed_since_the_previous_period_is_called_new():
    board = (Standing("tuyen-quang-2025", 1, 34, 90.0, 20, None, None),
             Standing("cao-bang", 2, 34, 80.0, 20, None, None),
             Standing("ha-noi", 3, 34, 70.0, 20, 1, 34))
    rows = _standings(board, date(2025, 6, 30), Texts("vi", date(2025, 9, 30)))
    assert [(r["change"], r["previous"]) for r in rows] == [("đơn vị mới", "—"), ("—", "—"), ("▼ 2", "1/34")], \
        "new only if formed since; no change shown without a baseline"
