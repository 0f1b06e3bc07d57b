"""The catalogue as the seeds write it (issue 16): quotations, deadlines no source gives,
the legal basis of each target, and the rules a target or a revision must keep."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from shared.domain.agencies import successor_of
from shared.domain.catalogue import (
    Aggregation,
    Target,
    TargetRevision,
    TargetScope,
    catalogue_on,
    seed_documents,
    target_applies_to,
    target_revisions,
)

SEEDS = Path(__file__).resolve().parents[3] / "docs" / "seeds"  # copies of the five source documents
TB_56 = "Thông báo 56/TB-VPCP ngày 23/02/2025"
YEAR_END = date(2025, 12, 31)


def _seed_text() -> str:
    documents = seed_documents().values()
    return re.sub(r"\s+", " ", " ".join((SEEDS / doc.file).read_text(encoding="utf-8") for doc in documents))


def test_every_quotation_in_the_notes_is_in_a_seed() -> None:
    text = _seed_text()
    notes = [target.notes for target in catalogue_on(date(2025, 1, 1)).values()]
    notes += [revision.changes.get("notes", "") for revision in target_revisions()]
    quotes = [quote for note in notes for quote in re.findall(r'"([^"]+)"', note)]
    quoted = [part.strip() for quote in quotes for part in quote.split("...")]
    assert quoted
    assert [part for part in quoted if part and part not in text] == []


def test_seed_002_targets_cite_thong_bao_56() -> None:
    for target in catalogue_on(YEAR_END).values():
        if "002" in target.seeds:
            assert target.basis and TB_56 in target.basis, target.id
    r57 = catalogue_on(YEAR_END)["r57_plan_issued"].basis or ""
    assert "Nghị quyết 57-NQ/TW" in r57 and "Nghị quyết 03/NQ-CP" in r57
    assert catalogue_on(YEAR_END)["procedures_local_data"].basis == "Chỉ thị 07/CT-TTg của Thủ tướng Chính phủ"
    assert catalogue_on(YEAR_END)["own_dt_project"].basis is None


def test_targets_with_no_deadline_in_any_source_are_untimed() -> None:
    targets = catalogue_on(YEAR_END)
    untimed = {target.id for target in targets.values() if target.deadline is None}
    assert untimed == {"own_dt_project", "procedures_simplified", "fee_exemption_resolution"}


def test_two_end_to_end_indicators_with_their_own_values_and_no_revision() -> None:
    for day in (date(2025, 2, 1), YEAR_END):
        targets = catalogue_on(day)
        services, procedures = targets["end_to_end_services"], targets["end_to_end_procedures"]
        assert (services.target_value, services.seeds) == (0.8, ("000",))
        assert (procedures.target_value, procedures.seeds) == (1.0, ("002",))
    assert not [revision for revision in target_revisions() if revision.target_id.startswith("end_to_end")]


def test_national_data_centre_databases_are_114_by_august() -> None:
    for day in (date(2025, 3, 18), YEAR_END):
        target = catalogue_on(day)["ndc_databases"]
        assert (target.target_value, target.deadline) == (114, date(2025, 8, 31))


def test_officials_at_every_level_include_ministries() -> None:
    target = catalogue_on(YEAR_END)["officials_digital_signature"]
    assert target.applies_to == {"ministry", "province"} and target.deadline == date(2025, 6, 30)


def test_procedures_local_data_is_a_share_of_provinces_reaching_200() -> None:
    target = catalogue_on(YEAR_END)["procedures_local_data"]
    assert (target.aggregation, target.scope, target.target_value) == (
        Aggregation.SHARE_REACHED, TargetScope.AGENCY, 200)


def test_the_two_laws_bind_the_responsible_ministries_after_the_merger() -> None:
    targets = catalogue_on(YEAR_END)
    industry, personal_data = targets["law_digital_technology_industry"], targets["law_personal_data_protection"]
    assert industry.deadline == personal_data.deadline == date(2025, 5, 31)
    assert industry.scope is personal_data.scope is TargetScope.NATIONAL
    science = successor_of("bo-thong-tin-va-truyen-thong", date(2025, 3, 1))
    assert science == "bo-khoa-hoc-va-cong-nghe-2025"
    assert target_applies_to(industry, "bo-thong-tin-va-truyen-thong") and target_applies_to(industry, science)
    assert not target_applies_to(industry, "bo-cong-an")
    assert target_applies_to(personal_data, "bo-cong-an") and not target_applies_to(personal_data, science)


def test_leaders_data_driven_binds_ministries_and_provinces_by_june() -> None:
    target = catalogue_on(YEAR_END)["leaders_data_driven"]
    assert (target.target_value, target.deadline, target.unit) == (1.0, date(2025, 6, 30), "% lãnh đạo")
    assert target.applies_to == {"ministry", "province"}


def _target(**changes: object) -> dict[str, object]:
    base = catalogue_on(YEAR_END)["procedures_local_data"].model_dump()
    return {**base, **changes}


def test_an_untimed_target_loads() -> None:
    assert Target.model_validate(_target(deadline=None)).deadline is None


@pytest.mark.parametrize(
    "changes",
    [
        {"scope": "national"},
        {"kind": "ratio", "target_value": 1.0},
        {"kind": "milestone", "target_value": 1},
    ],
)
def test_share_reached_is_only_for_a_count_each_agency_must_reach(changes: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Target.model_validate(_target(**changes))


def test_a_count_may_still_be_summed() -> None:
    assert Target.model_validate(_target(aggregation="sum_count")).aggregation is Aggregation.SUM_COUNT


@pytest.mark.parametrize("field", ["target_value", "kind", "id"])
def test_a_revision_may_not_change_the_target_value_or_identity(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        TargetRevision(target_id="ndc_databases", effective=date(2025, 8, 18), seed="003",
                       changes={field: 116}, note="a new value")


def test_a_revision_must_cite_a_source() -> None:
    with pytest.raises(ValidationError, match="cites no seed"):
        TargetRevision(target_id="ndc_databases", effective=date(2025, 8, 18), changes={"deadline": YEAR_END},
                       note="no source")
