"""One bad event per reason code: it triggers that code and no other.

Each event is a valid event with exactly one thing changed. The same events check that
the published JSON Schema catches what docs/contract.md says it catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from shared.domain.events import parse_event
from shared.domain.reasons import INGEST_CODES, ContractViolation, ReasonCode
from shared.domain.schema import progress_event_json_schema
from shared.domain.validation import check_event_against_registry
from tests.unit.domain.samples import CONTRACT_MD, TODAY, count, explanation, measurement, milestone

R = ReasonCode


@dataclass(frozen=True)
class Case:
    code: ReasonCode
    raw: bytes | dict[str, Any]
    schema_rejects: bool | None  # None: not a JSON object, so no schema applies
    registry: bool = False  # True: well-formed; only the registry check rejects it

    @property
    def name(self) -> str:
        return self.code.value + ("-registry" if self.registry else "")


CASES = [
    Case(R.NOT_UTF8, b'{"event_id": "\xff"}', None),
    Case(R.NOT_JSON, b'{"schema_version": 2,', None),
    Case(R.DUPLICATE_FIELD, b'{"schema_version": 2, "schema_version": 2}', None),
    Case(R.NOT_AN_OBJECT, b"[1, 2]", None),
    Case(R.UNKNOWN_SCHEMA_VERSION, measurement(schema_version=3), True),
    # 2.0 and 58.0 are 2 and 58 to JSON Schema (docs/contract.md, section 2.1).
    Case(R.UNKNOWN_SCHEMA_VERSION, measurement(schema_version=2.0), False),
    Case(R.MISSING_FIELD, measurement(reporter=...), True),
    Case(R.UNKNOWN_FIELD, measurement(colour="đỏ"), True),
    Case(R.WRONG_TYPE, measurement(figure={"type": "ratio", "numerator": "58", "denominator": 76}), True),
    Case(R.WRONG_TYPE, measurement(figure={"type": "ratio", "numerator": 58.0, "denominator": 76}), False),
    Case(R.INVALID_VALUE, measurement(kind="measurment"), True),
    Case(R.INVALID_VALUE, measurement(reported_at="2025-04-02T02:30:00+00:00"), True),
    Case(R.INVALID_VALUE, measurement(kind="correction", amends="hn-20250402-0001"), False),  # itself
    Case(R.DENOMINATOR_ZERO, measurement(figure={"type": "ratio", "numerator": 0, "denominator": 0}), True),
    Case(
        R.NUMERATOR_EXCEEDS_DENOMINATOR,
        measurement(figure={"type": "ratio", "numerator": 120, "denominator": 100}),
        False,
    ),
    Case(R.NEGATIVE_FIGURE, count(figure={"type": "count", "count": -3}), True),
    Case(
        R.OBSERVED_IN_FUTURE,
        measurement(observed_at="2025-10-16", reported_at="2025-10-16T08:00:00+07:00"),
        False,
    ),
    Case(R.OBSERVED_BEFORE_2020, measurement(observed_at="2019-12-31"), True),
    Case(R.OBSERVED_AFTER_REPORTED, measurement(observed_at="2025-04-03"), False),
    Case(
        R.DONE_AFTER_OBSERVED,
        milestone(figure={"type": "milestone", "done": True, "done_on": "2025-03-01"}),
        False,
    ),
    Case(R.FIGURE_SHAPE_MISMATCH, measurement(kind="milestone"), True),
    Case(R.FIGURE_SHAPE_MISMATCH, count(target_id="online_dossier_rate"), False, registry=True),
    Case(R.AMENDS_MISSING, measurement(kind="correction"), True),
    Case(R.AMENDS_NOT_ALLOWED, measurement(amends="hn-20250331-0009"), True),
    Case(R.RETRACTION_WITH_FIGURE, measurement(kind="retraction", amends="hn-20250331-0009"), True),
    Case(R.EXPLANATION_WITH_FIGURE, explanation(figure={"type": "ratio", "numerator": 58, "denominator": 76}), True),
    Case(R.EXPLANATION_NOT_ALLOWED, measurement(explanation=explanation()["explanation"]), True),
    Case(
        R.COMMITTED_BEFORE_OBSERVED,
        explanation(explanation={**explanation()["explanation"], "committed_on": "2025-07-09"}),
        False,
    ),
    Case(R.UNKNOWN_TARGET, measurement(target_id="paperless_office"), False, registry=True),
    Case(R.UNKNOWN_AGENCY, measurement(agency_id="hanoi"), False, registry=True),
    Case(
        R.AGENCY_NOT_ACTIVE,
        measurement(agency_id="ha-giang", observed_at="2025-07-31", reported_at="2025-08-02T09:00:00+07:00"),
        False,
        registry=True,
    ),
    Case(R.TARGET_NOT_APPLICABLE, measurement(target_id="biometric_checkpoints"), False, registry=True),
]


def _rejection(case: Case) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        event = parse_event(case.raw, today=TODAY)
        if case.registry:
            check_event_against_registry(event)
    return caught.value


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_a_bad_event_gets_its_code_and_only_that_one(case: Case) -> None:
    rejection = _rejection(case)
    assert rejection.code is case.code
    assert rejection.also == ()
    assert rejection.message


@pytest.mark.parametrize("case", [case for case in CASES if case.registry], ids=lambda case: case.name)
def test_registry_cases_are_well_formed_events(case: Case) -> None:
    parse_event(case.raw, today=TODAY)


def test_every_domain_code_has_a_bad_event() -> None:
    assert {case.code for case in CASES} == set(ReasonCode) - INGEST_CODES


@pytest.mark.parametrize("make", [measurement, milestone, count, explanation])
def test_the_starting_events_are_accepted(make: Any) -> None:
    check_event_against_registry(parse_event(make(), today=TODAY))


_VALIDATOR = Draft202012Validator(
    progress_event_json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
)


@pytest.mark.parametrize(
    "case", [case for case in CASES if case.schema_rejects is not None], ids=lambda case: case.name
)
def test_json_schema_rejects_exactly_the_bad_events_it_can_see(case: Case) -> None:
    assert _VALIDATOR.is_valid(case.raw) is not case.schema_rejects


def _documented_schema_column() -> dict[str, str]:
    text = CONTRACT_MD.read_text("utf-8")
    section = text[text.index("## 7. Reason codes") : text.index("## 8.")]
    return dict(re.findall(r"^\| `([a-z0-9_]+)` \| ([a-z/]+) \|", section, re.MULTILINE))


def test_contract_md_says_truly_what_the_schema_catches() -> None:
    documented = _documented_schema_column()
    assert set(documented) == {code.value for code in ReasonCode}
    for code in ReasonCode:
        verdicts = {case.schema_rejects for case in CASES if case.code is code}
        if code in INGEST_CODES:
            expected = "ingest"
        elif verdicts == {None}:
            expected = "n/a"
        else:
            expected = {frozenset({True}): "yes", frozenset({False}): "no"}.get(frozenset(verdicts), "partly")
        assert documented[code.value] == expected, code
