"""Who answers for each agency's tasks ("rõ trách nhiệm"), by position, following successors;
and the names and abbreviations a report writes for them (issue 16)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from services.catalogue.cli import catalogue
from shared.domain.agencies import (
    AgencyKind,
    UnitType,
    accountable_head,
    agencies_on,
    all_agencies,
    get_agency,
    name_in_text,
    successor_of,
)
from shared.presentation.names import abbreviation, document_symbol
from shared.presentation.names import name_in_text as written_name

BEFORE_MERGERS = date(2025, 1, 15)
AFTER_MERGERS = date(2025, 12, 31)


@pytest.mark.parametrize(
    ("agency_id", "head"),
    [
        ("bo-cong-an", "Bộ trưởng Bộ Công an"),
        ("bo-tai-chinh-2025", "Bộ trưởng Bộ Tài chính"),
        ("ngan-hang-nha-nuoc-viet-nam", "Thống đốc Ngân hàng Nhà nước Việt Nam"),
        ("thanh-tra-chinh-phu", "Tổng Thanh tra Chính phủ"),
        ("van-phong-chinh-phu", "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ"),
        ("cao-bang", "Chủ tịch UBND tỉnh Cao Bằng"),
        ("ha-noi", "Chủ tịch UBND thành phố Hà Nội"),
        ("ho-chi-minh-2025", "Chủ tịch UBND Thành phố Hồ Chí Minh"),
    ],
)
def test_heads_by_position(agency_id: str, head: str) -> None:
    assert accountable_head(agency_id, AFTER_MERGERS) == head


@pytest.mark.parametrize(
    ("predecessor", "before", "after"),
    [
        ("bo-thong-tin-va-truyen-thong", "Bộ trưởng Bộ Thông tin và Truyền thông",
         "Bộ trưởng Bộ Khoa học và Công nghệ"),
        ("uy-ban-dan-toc", "Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc",
         "Bộ trưởng Bộ Dân tộc và Tôn giáo"),
        ("ha-giang", "Chủ tịch UBND tỉnh Hà Giang", "Chủ tịch UBND tỉnh Tuyên Quang"),
        ("binh-duong", "Chủ tịch UBND tỉnh Bình Dương", "Chủ tịch UBND Thành phố Hồ Chí Minh"),
    ],
)
def test_a_merged_predecessors_task_is_the_successors_heads(predecessor: str, before: str, after: str) -> None:
    assert accountable_head(predecessor, BEFORE_MERGERS) == before
    assert accountable_head(predecessor, AFTER_MERGERS) == after


def test_the_last_day_of_a_unit_is_still_its_own_heads() -> None:
    last = get_agency("bo-thong-tin-va-truyen-thong").valid_to
    assert last is not None
    assert accountable_head("bo-thong-tin-va-truyen-thong", last) == "Bộ trưởng Bộ Thông tin và Truyền thông"


def test_every_agency_has_a_head_on_every_day_with_no_persons_name() -> None:
    for day in (BEFORE_MERGERS, date(2025, 3, 1), date(2025, 7, 1)):
        for agency in all_agencies():
            head = accountable_head(agency.id, day)
            # A position: a title, then the name of the unit that answers on that day.
            assert head.startswith(("Bộ trưởng", "Thống đốc ", "Tổng Thanh tra ", "Chủ tịch UBND ")), head
            assert head.endswith(name_in_text(successor_of(agency.id, day))), head
            assert accountable_head(agency.id, day, lang="en")


def test_heads_in_english() -> None:
    assert accountable_head("bo-cong-an", AFTER_MERGERS, lang="en") == "Minister of Public Security"
    assert accountable_head("ngan-hang-nha-nuoc-viet-nam", AFTER_MERGERS, lang="en") == (
        "Governor of the State Bank of Vietnam")
    assert accountable_head("cao-bang", AFTER_MERGERS, lang="en") == (
        "Chairman of the People's Committee of Cao Bang province")


def test_an_unknown_agency_has_no_head() -> None:
    with pytest.raises(KeyError):
        accountable_head("no-such-agency", AFTER_MERGERS)


def test_unit_types_are_lower_case_in_running_text_except_in_a_proper_name() -> None:
    for day in (BEFORE_MERGERS, AFTER_MERGERS):
        for agency in agencies_on(day, AgencyKind.PROVINCE):
            text = name_in_text(agency.id)
            if "Hồ Chí Minh" in agency.name_vi:
                assert text == "Thành phố Hồ Chí Minh"
            else:
                prefix = "tỉnh " if agency.unit_type is UnitType.PROVINCE else "thành phố "
                assert text.startswith(prefix), text
                assert text[len(prefix):] == agency.name_vi[len(prefix):]
    assert name_in_text("bo-cong-an") == "Bộ Công an"
    assert written_name("cao-bang") == "tỉnh Cao Bằng"
    assert written_name(get_agency("ho-chi-minh"), lang="en") == "Ho Chi Minh City"


@pytest.mark.parametrize(
    ("agency_id", "expected"),
    [
        ("bo-giao-duc-va-dao-tao", "BGDĐT"),
        ("bo-ke-hoach-va-dau-tu", "BKHĐT"),
        ("bo-lao-dong-thuong-binh-va-xa-hoi", "BLĐTBXH"),
        ("bo-van-hoa-the-thao-va-du-lich", "BVHTTDL"),
        ("bo-nong-nghiep-va-phat-trien-nong-thon", "BNNPTNT"),
        ("bo-khoa-hoc-va-cong-nghe-2025", "BKHCN"),
        ("bo-dan-toc-va-ton-giao", "BDTTG"),
        ("uy-ban-dan-toc", "UBDT"),
        ("ngan-hang-nha-nuoc-viet-nam", "NHNN"),
        ("van-phong-chinh-phu", "VPCP"),
        ("cao-bang", "UBND"),
    ],
)
def test_abbreviations_keep_d_with_stroke(agency_id: str, expected: str) -> None:
    assert abbreviation(agency_id) == expected


def test_document_symbols() -> None:
    assert document_symbol("thanh-hoa", 241) == "241/BC-UBND"
    assert document_symbol("bo-giao-duc-va-dao-tao", 224) == "224/BC-BGDĐT"


def test_the_catalogue_cli_lists_each_agencys_head() -> None:
    result = CliRunner().invoke(catalogue, ["agencies", "--on", "2025-07-01", "--json"])
    assert result.exit_code == 0
    heads = {item["id"]: item["accountable_head"] for item in json.loads(result.output)["agencies"]}
    assert heads["ho-chi-minh-2025"] == "Chủ tịch UBND Thành phố Hồ Chí Minh"
    assert heads["bo-khoa-hoc-va-cong-nghe-2025"] == "Bộ trưởng Bộ Khoa học và Công nghệ"
