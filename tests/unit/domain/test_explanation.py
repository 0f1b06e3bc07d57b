"""The explanation event (giải trình, docs/contract.md §3.1): what the parser accepts and
rejects with which reason code, and ingest's fast path agreeing with it."""

from __future__ import annotations

import json

import pytest

from shared.domain.canonical import ParsedEvent, parse, parse_canonical
from shared.domain.events import EventKind, parse_event, to_json_bytes
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.validation import check_event_against_registry
from tests.unit.domain.samples import TODAY, explanation

R = ReasonCode
STATED = explanation()["explanation"]


def _rejected(raw) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        parse_event(raw, today=TODAY)
    return caught.value


def test_a_good_explanation_is_accepted_with_what_it_states() -> None:
    event = parse_event(explanation(), today=TODAY)
    check_event_against_registry(event)
    assert event.kind is EventKind.EXPLANATION
    assert event.figure is None and event.amends is None
    assert (event.explanation.cause, event.explanation.action) == (STATED["cause"], STATED["action"])
    assert event.explanation.committed_on.isoformat() == STATED["committed_on"]


def test_a_commitment_for_the_day_of_the_explanation_itself_is_accepted() -> None:
    raw = explanation()
    raw["explanation"]["committed_on"] = raw["observed_at"]
    assert parse_event(raw, today=TODAY).explanation.committed_on == parse_event(raw, today=TODAY).observed_at


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"explanation": {**STATED, "cause": ...}}, R.MISSING_FIELD, "explanation.cause"),
        ({"explanation": {**STATED, "action": ...}}, R.MISSING_FIELD, "explanation.action"),
        ({"explanation": {**STATED, "committed_on": ...}}, R.MISSING_FIELD, "explanation.committed_on"),
        ({"explanation": ...}, R.MISSING_FIELD, "explanation"),
        ({"explanation": {**STATED, "cause": "   "}}, R.INVALID_VALUE, "explanation.cause"),
        ({"explanation": {**STATED, "committed_on": "2025-07-09"}}, R.COMMITTED_BEFORE_OBSERVED,
         "explanation.committed_on"),
        ({"explanation": {**STATED, "committed_on": "30/09/2025"}}, R.INVALID_VALUE, "explanation.committed_on"),
        ({"explanation": {**STATED, "committed_on": "2025-02-30"}}, R.INVALID_VALUE, "explanation.committed_on"),
        ({"explanation": {**STATED, "committed_on": 20250930}}, R.WRONG_TYPE, "explanation.committed_on"),
        ({"explanation": {**STATED, "owner": "Sở Nội vụ"}}, R.UNKNOWN_FIELD, "explanation.owner"),
        ({"figure": {"type": "ratio", "numerator": 58, "denominator": 76}}, R.EXPLANATION_WITH_FIGURE, "figure"),
        ({"amends": "hn-20250402-0001"}, R.AMENDS_NOT_ALLOWED, "amends"),
    ],
)
def test_a_bad_explanation_is_rejected_with_its_reason_code(changes, code, field) -> None:
    raw = explanation()
    for name, value in changes.items():
        if name == "explanation" and value is not ...:
            value = {k: v for k, v in value.items() if v is not ...}
        if value is ...:
            raw.pop(name)
        else:
            raw[name] = value
    rejection = _rejected(raw)
    assert (rejection.code, rejection.field) == (code, field)


def test_the_message_says_what_to_do() -> None:
    raw = explanation(explanation={**STATED, "committed_on": "2025-07-01"})
    assert "2025-07-01 is earlier than observed_at 2025-07-10" in _rejected(raw).message
    assert "latest one stands" in _rejected(explanation(amends="hn-20250402-0001")).message


@pytest.mark.parametrize("kind", ["measurement", "milestone", "correction", "retraction"])
def test_no_other_kind_carries_an_explanation(kind) -> None:
    rejection = _rejected(explanation(kind=kind))
    assert rejection.code in (R.EXPLANATION_NOT_ALLOWED, R.AMENDS_MISSING)
    if kind in ("measurement", "milestone"):
        assert (rejection.code, rejection.field) == (R.EXPLANATION_NOT_ALLOWED, "explanation")


def test_the_fast_path_reads_a_canonical_explanation_as_the_parser_does() -> None:
    event = parse_event(explanation(), today=TODAY)
    wire = to_json_bytes(event)
    fast = parse_canonical(wire, today=TODAY)
    assert fast == ParsedEvent.from_model(event)
    assert (fast.kind, fast.figure_type, fast.payload) == (EventKind.EXPLANATION, None, wire.decode("utf-8"))
    assert json.loads(fast.payload)["explanation"] == STATED


@pytest.mark.parametrize("stated", [
    {**STATED, "committed_on": "2025-07-09"}, {**STATED, "cause": " "}, {**STATED, "extra": "x"},
    {"cause": STATED["cause"], "action": STATED["action"]}, {**STATED, "committed_on": "2025-7-9"},
])
def test_the_fast_path_leaves_a_bad_explanation_to_the_parser(stated) -> None:
    raw = explanation(explanation=stated)
    wire = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert parse_canonical(wire, today=TODAY) is None
    with pytest.raises(ContractViolation):
        parse(wire, today=TODAY)
