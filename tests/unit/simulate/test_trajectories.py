"""The simulated truth: anchored on the seeds, plausible, continuous across the mergers."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from shared.domain.agencies import AgencyKind, agencies_on
from shared.domain.catalogue import TargetKind

from services.simulate.trajectories import (ANCHORS, DONE_BEFORE, FIXED_MILESTONES, ITEM_SCHEDULES,
                                            UNTIMED_MILESTONES, Truth, UnsupportedYear)

MONTH_ENDS = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, 12)] + [date(2025, 12, 31)]
BASELINE = date(2024, 12, 31)


@pytest.mark.parametrize("seed", [7, 1, 2025, 424242])
def test_anchors_hold_exactly_for_every_seed(seed: int) -> None:
    truth = Truth(seed)
    for anchor in ANCHORS:
        assert truth.national(anchor.target_id, anchor.on) == anchor.value, anchor
        if anchor.total is not None:
            assert truth.national_total(anchor.target_id, anchor.on) == anchor.total, anchor


def test_the_seed_figures_on_the_seeds_days(truth: Truth) -> None:
    # Seed 000: the results of 2024, heard on 06/02/2025; seed 003: the session of 18/03/2025.
    assert truth.national("essential_services", BASELINE) == 54
    assert truth.national("essential_services", date(2025, 2, 6)) == 54
    assert truth.national("essential_services", date(2025, 3, 18)) == 58
    assert truth.national("civil_registry_digitised", date(2025, 3, 18)) == Fraction(98, 100)
    simplified = truth.national("procedures_simplified", BASELINE)
    assert simplified * 1084 == 898 and truth.national_total("procedures_simplified", BASELINE) == 1084
    assert truth.national("fee_exemption_resolution", BASELINE) == 1
    assert truth.national_total("fee_exemption_resolution", BASELINE) == 63


def test_national_counts_follow_their_schedules(truth: Truth) -> None:
    for target_id, schedule in ITEM_SCHEDULES.items():
        assert [truth.national(target_id, day) for day, _ in schedule] == [total for _, total in schedule], target_id
        assert schedule[0][0] == BASELINE, target_id
    # Seed 003 ties the 114 databases to August 2025: the deadline the catalogue now gives.
    assert ITEM_SCHEDULES["ndc_databases"][-1][1] == truth.targets["ndc_databases"].target_value
    assert max(day for day, _ in ITEM_SCHEDULES["ndc_databases"]) <= truth.targets["ndc_databases"].deadline


def test_national_shares_are_plausible(truth: Truth) -> None:
    end = date(2025, 12, 31)
    assert 0.92 < truth.national("civil_registry_digitised", date(2025, 1, 31)) < 0.98
    assert 0.6 < truth.national("online_dossier_rate", end) < 0.9
    assert 0.35 < truth.national("adult_online_users", end) < 0.5
    assert truth.national("biometric_checkpoints", end) == 1
    assert 0.5 < truth.national("r57_plan_issued", date(2025, 2, 28)) < 0.8
    assert truth.national("ndc_operating", date(2025, 8, 17)) == 0
    assert truth.national("ndc_operating", date(2025, 8, 18)) == 1


def test_every_figure_is_valid_and_never_falls(truth: Truth) -> None:
    for agency in truth.agencies:
        first, last = truth.window(agency.id)
        days = [d for d in [BASELINE, *MONTH_ENDS] if first <= d <= last]
        for target in truth.applicable[agency.id]:
            if target.kind is TargetKind.MILESTONE:
                continue
            values = [truth.value(agency.id, target.id, d) for d in days]
            if target.kind is TargetKind.RATIO:
                assert all(0 <= n <= d and d >= 1 for n, d in values), (agency.id, target.id)
                shares = [Fraction(n, d) for n, d in values]
                assert shares == sorted(shares), (agency.id, target.id)
                # Dossiers count from 1 January: the 2024 total is larger than January's.
                values = [n for n, _ in values[days[0] == BASELINE:]]
            assert all(v >= 0 for v in values), (agency.id, target.id)
            assert values == sorted(values), (agency.id, target.id)


def test_the_baseline_is_the_last_day_of_the_year_before(truth: Truth) -> None:
    assert truth.baseline == BASELINE
    for agency in truth.agencies:
        first, _ = truth.window(agency.id)
        assert first == (agency.valid_from if agency.predecessors else BASELINE), agency.id
    # A year's dossiers on the baseline: 2024 had 366 days.
    per_day = {truth.value(a.id, "online_dossier_rate", BASELINE)[1] % 366 for a in truth.bases
               if any(t.id == "online_dossier_rate" for t in truth.applicable[a.id])}
    assert per_day == {0}


def test_milestones_no_source_dates(truth: Truth) -> None:
    for target_id, path in UNTIMED_MILESTONES.items():
        assert truth.targets[target_id].deadline is None
        days = [truth.done_on(a.id, target_id) for a in truth.bases
                if any(t.id == target_id for t in truth.applicable[a.id]) and (target_id, a.id) not in DONE_BEFORE]
        before = [d for d in days if d is not None and d <= BASELINE]
        assert all(d >= path.since for d in before), target_id
        assert len(before) >= len(days) * path.by_baseline * 0.7, target_id
    # Seed 004: "như Bộ Công an đã làm" — Đề án 06 was its project.
    assert truth.done_on("bo-cong-an", "own_dt_project") == date(2022, 1, 6)


def test_both_laws_go_to_the_ninth_session(truth: Truth) -> None:
    # The ministry responsible for the digital technology industry law merged into Bộ Khoa học
    # và Công nghệ on 01/03/2025: the new ministry submits it.
    for target_id in ("law_digital_technology_industry", "law_personal_data_protection"):
        done = FIXED_MILESTONES[target_id]
        assert (done.year, done.month) == (2025, 5) and done <= truth.targets[target_id].deadline
        assert truth.national(target_id, date(2025, 4, 30)) == 0
        assert truth.national(target_id, date(2025, 5, 31)) == 1
    assert truth.units_on("law_digital_technology_industry", date(2025, 5, 31)) == ["bo-khoa-hoc-va-cong-nghe-2025"]


def test_the_200_procedures_are_reached_province_by_province(truth: Truth) -> None:
    # "x/N tỉnh đạt 200": a share of provinces, rising, reached by some before the year ends.
    shares = [truth.national("procedures_local_data", day) for day in MONTH_ENDS]
    assert shares[0] == 0 and 0 < shares[9] < shares[-1] < 1
    assert all(0 <= s <= 1 for s in shares)


def test_a_merged_unit_carries_its_predecessors_figures(truth: Truth) -> None:
    before, formed = date(2025, 6, 30), date(2025, 7, 1)
    for province in agencies_on(formed, AgencyKind.PROVINCE):
        parts = province.predecessors
        if not parts:
            continue
        assert set(truth.bases_of(province.id)) == set(parts)
        ratio = truth.value(province.id, "civil_registry_digitised", formed)
        assert ratio[1] == sum(truth.value(p, "civil_registry_digitised", before)[1] for p in parts)
        assert ratio[0] >= sum(truth.value(p, "civil_registry_digitised", before)[0] for p in parts)
    for ministry in agencies_on(date(2025, 3, 1), AgencyKind.MINISTRY):
        parts = ministry.predecessors
        if parts:
            merged = truth.value(ministry.id, "essential_services", date(2025, 3, 1))
            assert merged >= sum(truth.value(p, "essential_services", date(2025, 2, 28)) for p in parts)


def test_milestones_of_merged_units_come_after_their_formation(truth: Truth) -> None:
    for agency in truth.agencies:
        for target in truth.applicable[agency.id]:
            if target.kind is TargetKind.MILESTONE and agency.predecessors:
                done = truth.done_on(agency.id, target.id)
                assert done is None or done >= agency.valid_from


def test_same_seed_same_truth_other_seed_other_truth() -> None:
    day = date(2025, 9, 30)
    assert Truth(3).value("ha-noi", "online_dossier_rate", day) == Truth(3).value("ha-noi", "online_dossier_rate", day)
    assert Truth(3).value("ha-noi", "online_dossier_rate", day) != Truth(4).value("ha-noi", "online_dossier_rate", day)


def test_only_the_anchored_year_is_simulated() -> None:
    with pytest.raises(UnsupportedYear, match="2025 only"):
        Truth(7, 2024)
