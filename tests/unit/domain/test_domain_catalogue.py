"""The 2025 target catalogue and its revisions, as the seeds write them (issue 16)."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest

from shared.domain.agencies import agencies_on, get_agency
from shared.domain.catalogue import (
    Aggregation,
    TargetKind,
    TargetScope,
    all_target_ids,
    catalogue_on,
    seed_documents,
    target_applies_to,
    target_revisions,
)

DESIGN_TARGETS = {
    "online_dossier_rate", "end_to_end_services", "adult_online_users", "dossiers_with_personal_id",
    "leaders_digital_signature", "officials_digital_signature", "r57_plan_issued", "civil_registry_digitised",
    "land_database", "procedures_vneid", "procedures_local_data", "essential_services", "ndc_operating",
    "ndc_databases", "biometric_checkpoints", "direction_indicators", "internal_management_digital",
    "task_tracking_integrated", "end_to_end_documents", "own_dt_project",
}  # fmt: skip

# Issue 16: the targets the seeds set that the first catalogue missed, each with its seeds.
ADDED_TARGETS = {
    "end_to_end_procedures": ("002",),
    "leaders_data_driven": ("003",),
    "national_databases_completed": ("002",),
    "law_digital_technology_industry": ("002",),
    "law_personal_data_protection": ("002",),
    "procedures_simplified": ("000",),
    "fee_exemption_resolution": ("000", "002"),
}


def test_every_target_of_design_md_and_of_the_seeds_is_in_the_catalogue() -> None:
    assert set(all_target_ids()) == DESIGN_TARGETS | set(ADDED_TARGETS)
    assert list(catalogue_on(date(2025, 1, 1))) == list(all_target_ids())


@pytest.mark.parametrize(("target_id", "seeds"), sorted(ADDED_TARGETS.items()))
def test_each_added_target_cites_its_seeds(target_id: str, seeds: tuple[str, ...]) -> None:
    assert catalogue_on(date(2025, 12, 31))[target_id].seeds == seeds


def test_every_target_applies_to_at_least_one_agency_on_its_deadline() -> None:
    for target in catalogue_on(date(2025, 12, 31)).values():
        day = target.deadline or date(2025, 12, 31)
        bound = [agency for agency in agencies_on(day) if target_applies_to(target, agency)]
        assert bound, target.id


@pytest.mark.parametrize(
    ("target_id", "field", "before", "after", "effective"),
    [
        ("officials_digital_signature", "deadline", date(2025, 12, 31), date(2025, 6, 30), date(2025, 2, 23)),
        ("officials_digital_signature", "basis", None, "Thông báo 56/TB-VPCP ngày 23/02/2025", date(2025, 2, 23)),
    ],
)
def test_revisions_take_effect_on_their_day(
    target_id: str, field: str, before: object, after: object, effective: date
) -> None:
    assert getattr(catalogue_on(effective - timedelta(days=1))[target_id], field) == before
    assert getattr(catalogue_on(effective)[target_id], field) == after


def test_a_revision_adds_its_seed_and_leaves_the_original_alone() -> None:
    before = catalogue_on(date(2025, 2, 22))["officials_digital_signature"]
    after = catalogue_on(date(2025, 2, 23))["officials_digital_signature"]
    assert before.seeds == ("000",) and after.seeds == ("000", "002")
    assert catalogue_on(date(2025, 2, 22))["officials_digital_signature"] == before


def test_revisions_are_ordered_and_cite_a_source() -> None:
    revisions = target_revisions()
    assert [revision.effective for revision in revisions] == sorted(
        revision.effective for revision in revisions
    )
    assert all(revision.seed or revision.source for revision in revisions)


def test_targets_are_consistent() -> None:
    aggregation = {
        TargetKind.RATIO: {Aggregation.SUM_RATIO},
        TargetKind.COUNT: {Aggregation.SUM_COUNT, Aggregation.SHARE_REACHED},
        TargetKind.MILESTONE: {Aggregation.SHARE_DONE},
    }
    seeds = seed_documents()
    for target in catalogue_on(date(2026, 1, 1)).values():
        assert target.aggregation in aggregation[target.kind]
        assert set(target.seeds) <= set(seeds)
        assert target.higher_is_better and target.weight > 0
        assert unicodedata.is_normalized("NFC", target.name_vi + target.notes + (target.basis or ""))
        for item in target.applies_to - {"ministry", "province"}:
            get_agency(item)


def test_seed_figures_are_quoted_in_the_notes() -> None:
    targets = catalogue_on(date(2025, 3, 31))
    essential = targets["essential_services"]
    assert (essential.target_value, essential.kind, essential.scope) == (
        76,
        TargetKind.COUNT,
        TargetScope.NATIONAL,
    )
    assert "54/76" in essential.notes and "58/76" in essential.notes
    assert "98%" in targets["civil_registry_digitised"].notes
    assert targets["procedures_vneid"].target_value == 324


def test_applicability() -> None:
    targets = catalogue_on(date(2025, 9, 1))
    assert target_applies_to(targets["ndc_operating"], "bo-cong-an")
    assert not target_applies_to(targets["ndc_operating"], "bo-y-te")
    assert target_applies_to(targets["adult_online_users"], get_agency("tuyen-quang-2025"))
    assert not target_applies_to(targets["adult_online_users"], "bo-tai-chinh-2025")
    assert target_applies_to(targets["essential_services"], "bo-tai-chinh-2025")


def test_the_catalogue_is_a_fresh_dict_each_time() -> None:
    first = catalogue_on(date(2025, 1, 1))
    first.clear()
    assert catalogue_on(date(2025, 1, 1))


def test_json_output_is_deterministic() -> None:
    target = catalogue_on(date(2025, 1, 1))["online_dossier_rate"]
    assert target.model_dump(mode="json")["applies_to"] == ["ministry", "province"]
