"""The agency registry and the 2025 reorganisations."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import date, timedelta

import pytest

from shared.domain.agencies import (
    AgencyKind,
    UnitType,
    agencies_on,
    all_agencies,
    get_agency,
    is_active,
    predecessors_of,
    reorganisations,
    successor_of,
)

MINISTRY, PROVINCE = AgencyKind.MINISTRY, AgencyKind.PROVINCE
MINISTRY_CUTOVER, PROVINCE_CUTOVER = date(2025, 3, 1), date(2025, 7, 1)


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2025, 6, 30), PROVINCE, 63),
        (date(2025, 7, 1), PROVINCE, 34),
        (date(2025, 2, 28), MINISTRY, 22),
        (date(2025, 3, 1), MINISTRY, 17),
        (date(2020, 1, 1), PROVINCE, 63),
        (date(2030, 1, 1), MINISTRY, 17),
    ],
)
def test_how_many_agencies_exist_on_a_day(day: date, kind: AgencyKind, expected: int) -> None:
    assert len(agencies_on(day, kind)) == expected


def test_the_legal_forms_add_up() -> None:
    def forms(day: date, kind: AgencyKind) -> Counter[UnitType]:
        return Counter(agency.unit_type for agency in agencies_on(day, kind))

    assert forms(date(2025, 2, 28), MINISTRY) == {UnitType.MINISTRY: 18, UnitType.MINISTERIAL_AGENCY: 4}
    assert forms(date(2025, 3, 1), MINISTRY) == {UnitType.MINISTRY: 14, UnitType.MINISTERIAL_AGENCY: 3}
    assert forms(date(2025, 7, 1), PROVINCE) == {UnitType.PROVINCE: 28, UnitType.CITY: 6}
    ministerial = {agency.name_vi for agency in agencies_on(date(2025, 3, 1), MINISTRY)} - {
        agency.name_vi
        for agency in agencies_on(date(2025, 3, 1), MINISTRY)
        if agency.unit_type is UnitType.MINISTRY
    }
    assert ministerial == {"Văn phòng Chính phủ", "Thanh tra Chính phủ", "Ngân hàng Nhà nước Việt Nam"}


@pytest.mark.parametrize(("kind", "cutover"), [(MINISTRY, MINISTRY_CUTOVER), (PROVINCE, PROVINCE_CUTOVER)])
def test_every_pre_merger_agency_has_exactly_one_successor(kind: AgencyKind, cutover: date) -> None:
    before, after = cutover - timedelta(days=1), cutover
    existing_after = {agency.id for agency in agencies_on(after, kind)}
    for agency in agencies_on(before, kind):
        carrier = successor_of(agency.id, after)
        assert carrier in existing_after, agency.id
        if agency.id in existing_after:
            assert agency.successor is None and carrier == agency.id
        else:
            assert agency.valid_to == before and agency.successor == carrier
    # and every agency formed at the cutover is carried by at least two, or renames one
    for agency in agencies_on(after, kind):
        if agency.valid_from == cutover:
            assert agency.predecessors, agency.id


def test_unchanged_agencies_keep_their_id() -> None:
    for agency_id in ("ha-noi", "hue", "cao-bang", "nghe-an", "bo-cong-an", "van-phong-chinh-phu"):
        assert is_active(agency_id, date(2025, 1, 1)) and is_active(agency_id, date(2025, 12, 31))
        assert successor_of(agency_id, date(2025, 12, 31)) == agency_id


@pytest.mark.parametrize(
    ("merged", "predecessors"),
    [
        ("tuyen-quang-2025", {"tuyen-quang", "ha-giang"}),
        ("ninh-binh-2025", {"ninh-binh", "ha-nam", "nam-dinh"}),
        ("ho-chi-minh-2025", {"ho-chi-minh", "binh-duong", "ba-ria-vung-tau"}),
        ("bo-tai-chinh-2025", {"bo-tai-chinh", "bo-ke-hoach-va-dau-tu"}),
        (
            "bo-nong-nghiep-va-moi-truong",
            {"bo-nong-nghiep-va-phat-trien-nong-thon", "bo-tai-nguyen-va-moi-truong"},
        ),
        ("bo-dan-toc-va-ton-giao", {"uy-ban-dan-toc"}),
    ],
)
def test_merged_units_and_their_predecessors(merged: str, predecessors: set[str]) -> None:
    assert set(predecessors_of(merged)) == predecessors
    for predecessor in predecessors:
        assert successor_of(predecessor, date(2025, 12, 31)) == merged
        assert successor_of(predecessor, date(2025, 1, 1)) == predecessor


def test_design_md_codes_after_the_merger() -> None:
    confirmed = {
        "01": "ha-noi", "04": "cao-bang", "08": "tuyen-quang-2025", "11": "dien-bien", "12": "lai-chau",
        "14": "son-la", "15": "lao-cai-2025", "19": "thai-nguyen-2025", "20": "lang-son", "22": "quang-ninh",
    }  # fmt: skip
    after = {agency.code: agency for agency in agencies_on(PROVINCE_CUTOVER, PROVINCE)}
    for code, agency_id in confirmed.items():
        assert after[code].id == agency_id and after[code].code_confirmed
    formed = {
        agency.id
        for agency in after.values()
        if agency.valid_from == PROVINCE_CUTOVER and agency.code_confirmed
    }
    assert formed == {"tuyen-quang-2025", "lao-cai-2025", "thai-nguyen-2025"}
    # Lào Cai took Yên Bái's code, not its own.
    assert get_agency("lao-cai").code == "10" and get_agency("yen-bai").code == "15"


def test_codes_are_unique_on_every_day_and_official_in_form() -> None:
    for day in (date(2024, 1, 1), date(2025, 2, 28), MINISTRY_CUTOVER, date(2025, 6, 30), PROVINCE_CUTOVER):
        codes = [agency.code for agency in agencies_on(day)]
        assert len(codes) == len(set(codes)), day
    for agency in all_agencies():
        pattern = r"G[0-9]{2}" if agency.kind is MINISTRY else r"[0-9]{2}"
        assert agency.code is not None and re.fullmatch(pattern, agency.code), agency.id


def test_pre_merger_province_codes_match_design_md() -> None:
    before = agencies_on(date(2025, 6, 30), PROVINCE)
    design_md = (
        "01 02 04 06 08 10 11 12 14 15 17 19 20 22 24 25 26 27 30 31 33 34 35 36 37 38 40 42 "
        "44 45 46 48 49 51 52 54 56 58 60 62 64 66 67 68 70 72 74 75 77 79 80 82 83 84 86 87 "
        "89 91 92 93 94 95 96"
    )
    assert " ".join(agency.code or "" for agency in before) == design_md
    assert all(agency.code_confirmed for agency in before)


def test_ids_and_names_are_well_formed() -> None:
    for agency in all_agencies():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", agency.id), agency.id
        assert unicodedata.is_normalized("NFC", agency.name_vi), agency.id
        prefix = (
            ("Bộ ", "Ủy ban ", "Ngân hàng ", "Thanh tra ", "Văn phòng ")
            if agency.kind is MINISTRY
            else ("Tỉnh ", "Thành phố ")
        )
        assert agency.name_vi.startswith(prefix), agency.name_vi
    assert get_agency("ha-noi").name_vi == "Thành phố Hà Nội"
    assert get_agency("dak-lak").name_vi == "Tỉnh Đắk Lắk"
    assert get_agency("bo-lao-dong-thuong-binh-va-xa-hoi").name_vi == "Bộ Lao động - Thương binh và Xã hội"


def test_agencies_are_sorted_ministries_first_then_by_code() -> None:
    listed = agencies_on(date(2025, 7, 1))
    assert [agency.kind for agency in listed[:17]] == [MINISTRY] * 17
    assert listed[0].id == "bo-cong-an" and listed[17].id == "ha-noi"
    assert [agency.code for agency in listed[17:]] == sorted(agency.code for agency in listed[17:])


def test_unknown_ids_raise_key_error() -> None:
    with pytest.raises(KeyError):
        get_agency("hanoi")
    with pytest.raises(KeyError):
        successor_of("hanoi", date(2025, 1, 1))
    with pytest.raises(KeyError):
        is_active("hanoi", date(2025, 1, 1))


def test_a_new_unit_did_not_exist_before_it_was_formed() -> None:
    assert not is_active("tuyen-quang-2025", date(2025, 6, 30))
    assert is_active("tuyen-quang", date(2025, 6, 30)) and not is_active("tuyen-quang", PROVINCE_CUTOVER)
    assert successor_of("tuyen-quang-2025", date(2025, 1, 1)) == "tuyen-quang-2025"


def test_predecessors_transitively() -> None:
    assert set(predecessors_of("bo-tai-chinh-2025", transitive=True)) == {
        "bo-tai-chinh",
        "bo-ke-hoach-va-dau-tu",
    }
    assert predecessors_of("ha-noi", transitive=True) == ()


def test_reorganisations_are_recorded_with_their_legal_basis() -> None:
    acts = reorganisations()
    assert [(act.effective, act.kind) for act in acts] == [
        (MINISTRY_CUTOVER, MINISTRY),
        (PROVINCE_CUTOVER, PROVINCE),
    ]
    assert "176/2025/QH15" in acts[0].basis and "202/2025/QH15" in acts[1].basis
