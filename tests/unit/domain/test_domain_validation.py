"""Events against the registry and catalogue, beyond the one-case-per-code table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.domain.agencies import all_agencies
from shared.domain.catalogue import all_target_ids, target_revisions
from shared.domain.events import parse_event
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.validation import check_against_registry, check_event_against_registry, registry_problem
from tests.unit.domain.samples import TODAY, measurement, milestone


def _check(raw: dict[str, object], **kwargs: object) -> None:
    check_event_against_registry(parse_event(raw, today=TODAY), **kwargs)  # type: ignore[arg-type]


def test_a_dissolved_province_may_still_report_its_june_figures_late() -> None:
    _check(
        measurement(agency_id="ha-giang", observed_at="2025-06-30", reported_at="2025-07-10T09:00:00+07:00")
    )


def test_a_dissolved_province_is_told_which_unit_carries_on() -> None:
    raw = measurement(agency_id="ha-giang", observed_at="2025-07-31", reported_at="2025-08-02T09:00:00+07:00")
    with pytest.raises(ContractViolation) as caught:
        _check(raw)
    assert caught.value.code is ReasonCode.AGENCY_NOT_ACTIVE
    assert "tuyen-quang-2025" in caught.value.message and "Tỉnh Tuyên Quang" in caught.value.message


def test_a_merged_unit_cannot_report_before_it_existed() -> None:
    with pytest.raises(ContractViolation) as caught:
        _check(measurement(agency_id="bo-tai-chinh-2025", observed_at="2025-02-28"))
    assert caught.value.code is ReasonCode.AGENCY_NOT_ACTIVE
    assert "formed on 2025-03-01" in caught.value.message


def test_the_day_to_judge_by_can_be_given() -> None:
    event = parse_event(measurement(agency_id="ha-giang"), today=TODAY)
    check_event_against_registry(event)
    with pytest.raises(ContractViolation):
        check_event_against_registry(event, on=date(2025, 7, 1))


def test_the_catalogue_of_the_observed_day_is_used() -> None:
    # A milestone target takes a milestone figure, whatever the day.
    raw = milestone(target_id="ndc_operating", agency_id="bo-cong-an", observed_at="2025-08-31",
                    reported_at="2025-09-01T08:00:00+07:00",
                    figure={"type": "milestone", "done": True, "done_on": "2025-08-18"})  # fmt: skip
    _check(raw)


def test_retractions_need_no_figure_shape() -> None:
    _check(measurement(kind="retraction", figure=..., amends="hn-20250331-0009"))


def _verdict(agency_id, target_id, figure_type, day):
    try:
        check_against_registry(agency_id, target_id, figure_type, day)
    except ContractViolation as exc:
        return exc.code, exc.message
    return None


def test_the_cached_registry_verdict_is_the_checks_on_every_day_around_every_change() -> None:
    # The cache is keyed by the span of days between registry and catalogue changes: on
    # each side of every change, every agency, target and figure shape (and ids the
    # registry does not know) get the very verdict, message included, of the check itself.
    changes = sorted({r.effective for r in target_revisions()}
                     | {a.valid_from for a in all_agencies() if a.valid_from}
                     | {a.valid_to + timedelta(days=1) for a in all_agencies() if a.valid_to})
    days = sorted({date.min, date(2026, 12, 31)} | {d + timedelta(days=k) for d in changes for k in (-1, 0)})
    agencies = [a.id for a in all_agencies()] + ["no-such-agency"]
    targets = list(all_target_ids()) + ["no-such-target"]
    seen = set()
    for day in days:
        for agency_id in agencies:
            for target_id in targets:
                for figure_type in (None, "ratio", "count", "milestone"):
                    expected = _verdict(agency_id, target_id, figure_type, day)
                    assert registry_problem(agency_id, target_id, figure_type, day) == expected
                    seen.add(expected and expected[0])
    assert seen >= {None, ReasonCode.UNKNOWN_AGENCY, ReasonCode.AGENCY_NOT_ACTIVE, ReasonCode.UNKNOWN_TARGET,
                    ReasonCode.TARGET_NOT_APPLICABLE, ReasonCode.FIGURE_SHAPE_MISMATCH}
