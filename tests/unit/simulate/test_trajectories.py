"""The simulated truth: anchored on the seeds, plausible, continuous across the mergers."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest

from shared.domain.agencies import AgencyKind, agencies_on
from shared.domain.catalogue import TargetKind

from services.simulate.trajectories import ANCHORS, ITEM_SCHEDULES, Truth, UnsupportedYear

MONTH_ENDS = [date(2025, m + 1, 1) - timedelta(days=1) for m in range(1, 12)] + [date(2025, 12, 31)]


@pytest.mark.parametrize("seed", [7, 1, 2025, 424242])
def test_anchors_hold_exactly_for_every_seed(seed: int) -> None:
    truth = Truth(seed)
    for anchor in ANCHORS:
        assert truth.national(anchor.target_id, anchor.on) == anchor.value, anchor


def test_the_seed_figures(truth: Truth) -> None:
    assert truth.national("essential_services", date(2025, 2, 28)) == 54
    assert truth.national("essential_services", date(2025, 3, 31)) == 58
    assert truth.national("civil_registry_digitised", date(2025, 3, 31)) == Fraction(98, 100)


def test_national_counts_follow_their_schedules(truth: Truth) -> None:
    for target_id, schedule in ITEM_SCHEDULES.items():
        assert [truth.national(target_id, day) for day in MONTH_ENDS] == list(schedule[1:]), target_id


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
        days = [d for d in MONTH_ENDS if first <= d <= last]
        for target in truth.applicable[agency.id]:
            if target.kind is TargetKind.MILESTONE:
                continue
            values = [truth.value(agency.id, target.id, d) for d in days]
            if target.kind is TargetKind.RATIO:
                assert all(0 <= n <= d and d >= 1 for n, d in values), (agency.id, target.id)
                values = [n for n, _ in values]
            assert all(v >= 0 for v in values), (agency.id, target.id)
            assert values == sorted(values), (agency.id, target.id)


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
