"""The fast path of ingest's parsing (shared.domain.canonical) against parse_event: it may
only accept what parse_event accepts, with the same fields and bytes, and must take the
simulator's valid events (which are canonical) without falling back."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shared.domain.canonical import ParsedEvent, parse, parse_canonical
from shared.domain.events import parse_event
from shared.domain.reasons import ContractViolation

from services.simulate.keys import dry_run_keys
from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import Truth
from services.simulate.wire import encode
from tests.unit.domain.samples import TODAY, count, measurement, milestone
from tests.unit.domain.test_domain_reason_cases import CASES

SIM_TODAY = date(2026, 1, 15)


def _slow(raw: bytes, today: date) -> ParsedEvent | ContractViolation:
    try:
        return ParsedEvent.from_model(parse_event(raw, today=today))
    except ContractViolation as exc:
        return exc


def _agrees(raw: bytes, today: date) -> ParsedEvent | None:
    """The fast path's answer, after checking it against parse_event's."""
    fast = parse_canonical(raw, today=today)
    slow = _slow(raw, today)
    if fast is not None:
        assert fast == slow, raw
    if isinstance(slow, ContractViolation):
        with pytest.raises(ContractViolation) as caught:
            parse(raw, today=today)
        assert (caught.value.code, caught.value.message) == (slow.code, slow.message)
    else:
        assert parse(raw, today=today) == slow
    return fast


def test_every_simulated_message_gets_the_same_answer_and_valid_ones_take_the_fast_path() -> None:
    truth = Truth(11)
    plan = Plan(Config(seed=11, scale=1), dry_run_keys(11, [a.id for a in truth.agencies]), truth)
    reasons = set()
    for m in plan:
        fast = _agrees(m.value, SIM_TODAY)
        if m.outcome is Outcome.REJECTED:
            reasons.add(m.fault.code)
        elif m.outcome is Outcome.RECORDED:
            assert fast is not None, m.value
    assert len(reasons) >= 30  # the simulator's faults: nearly every reason code


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_events_fall_back_to_parse_event_in_any_spelling(case) -> None:
    if isinstance(case.raw, bytes):
        _agrees(case.raw, TODAY)
        return
    for raw in (encode(case.raw), json.dumps(case.raw).encode()):
        assert _agrees(raw, TODAY) is None or case.registry


@pytest.mark.parametrize("event", [measurement(), milestone(), count(), measurement(evidence="CV 12/UBND"),
                                   measurement(kind="correction", amends="hn-20250331-0009"),
                                   measurement(kind="retraction", amends="hn-20250331-0009", figure=None)],
                         ids=["measurement", "milestone", "count", "evidence", "correction", "retraction"])
def test_valid_events_take_the_fast_path_only_when_canonical(event) -> None:
    event = {k: v for k, v in event.items() if v is not None}
    assert _agrees(encode(event), TODAY) is not None
    assert _agrees(json.dumps(event, sort_keys=True).encode(), TODAY) is None  # spaces: not canonical
    assert _agrees(json.dumps(dict(reversed(list(event.items()))), ensure_ascii=False,
                              separators=(",", ":")).encode(), TODAY) is None  # unsorted


@pytest.mark.parametrize("raw", [
    b'{"agency_id":"ha-noi","agency_id":"ha-noi"}',
    b'{"schema_version":2.0}',
    b'{"schema_version":true}',
    b'NaN',
    b'"\\ud800"',
], ids=["duplicate", "float-version", "bool-version", "nan", "surrogate"])
def test_odd_json_falls_back(raw) -> None:
    assert _agrees(raw, TODAY) is None


def test_tricky_members_fall_back_or_agree() -> None:
    base = measurement()
    variants = [
        {**base, "evidence": None},
        {**base, "evidence": "   "},
        {**base, "schema_version": True},
        {**base, "figure": {**base["figure"], "numerator": 1.0}},
        {**base, "figure": {**base["figure"], "numerator": 2**53}},
        {**base, "reporter": {**base["reporter"], "name": "A\u2028B"}},
        {**base, "reporter": {**base["reporter"], "name": "\x1c"}},
        {**base, "event_id": "hn-1\n"},
        {**base, "observed_at": "2025-02-30"},
        {**base, "reported_at": base["reported_at"].replace("+07:00", "+0700")},
        {**milestone(), "figure": {"type": "milestone", "done": False, "done_on": None}},
        {**milestone(), "figure": {"type": "milestone", "done": 1, "done_on": "2025-03-01"}},
        {**base, "signature": {"alg": "Ed25519", "key_id": "k 1", "value": "0" * 128}},
        {**base, "signature": {"alg": "Ed25519", "key_id": "k1", "value": "A" * 128}},
        {**base, "signature": {"alg": "Ed25519", "key_id": "k1", "value": "a" * 64}},
        {**base, "signature": {"alg": "HMAC-SHA256", "key_id": "k1", "value": "a" * 64}},
    ]
    for v in variants:
        _agrees(encode(v), TODAY)
