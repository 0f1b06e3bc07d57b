"""The fast path of ingest's parsing (shared.domain.canonical) against parse_event: it may
only accept what parse_event accepts, with the same fields and bytes, and must take the
simulator's valid events (which are canonical) without falling back."""

from __future__ import annotations

import json
from datetime import date

import orjson
import pytest

from shared.domain import canonical
from shared.domain.canonical import ParsedEvent, parse, parse_canonical
from shared.domain.events import parse_event
from shared.domain.reasons import ContractViolation
from shared.domain.temporal import _as_timestamp

from services.simulate.keys import dry_run_keys
from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import Truth
from services.simulate.wire import encode
from tests.unit.domain.samples import TODAY, count, explanation, measurement, milestone
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
                                   measurement(kind="retraction", amends="hn-20250331-0009", figure=None),
                                   explanation()],
                         ids=["measurement", "milestone", "count", "evidence", "correction", "retraction",
                              "explanation"])
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


def test_the_compiled_encoder_writes_every_character_as_the_contracts_encoder() -> None:
    # The fast path compares the input with orjson's encoding of what it read: for a
    # canonical input the two encoders must agree on every string, so that the fast path
    # takes exactly the inputs the contract's encoder (json, ensure_ascii=False) writes.
    contract = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
    for start in range(0, 0x110000, 0x1000):
        text = "".join(chr(c) for c in range(start, start + 0x1000) if not 0xD800 <= c <= 0xDFFF)
        assert orjson.dumps(text) == contract(text).encode("utf-8"), hex(start)
    names = {"b": 1, "a": {"é": True, "z": None}, "\U0001f600": "x", "\uffff": 2**53 - 1}
    assert orjson.dumps(names, option=orjson.OPT_SORT_KEYS) == contract(names).encode("utf-8")


def _canonical_with(old: bytes, new: bytes) -> bytes:
    raw = encode(measurement(evidence="CV 12/UBND"))
    assert raw.count(old) == 1
    return raw.replace(old, new)


@pytest.mark.parametrize("raw", [
    _canonical_with(b'"agency_id":"ha-noi"', b'"agency_id":"ha-noi","agency_id":"ha-noi"'),
    _canonical_with(b'"agency_id":"ha-noi"', b'"agency_id":"hue","agency_id":"ha-noi"'),
    _canonical_with(b'"numerator":', b'"numerator":1' + b"0" * 30 + b',"x":'),
    _canonical_with(b'"numerator":', b'"numerator":18446744073709551616,"x":'),
    _canonical_with(b'"numerator":', b'"numerator":1' + b"0" * 5000 + b',"x":'),
    _canonical_with(b'"schema_version":2', b'"schema_version":2' + b"0" * 5000),
    _canonical_with(b'"schema_version":2', b'"schema_version":NaN'),
    _canonical_with(b'"schema_version":2', b'"schema_version":Infinity'),
    _canonical_with(b'"schema_version":2', b'"schema_version":-0'),
    _canonical_with(b'"schema_version":2', b'"schema_version":2.0'),
    _canonical_with(b'"schema_version":2', b'"schema_version":1e400'),
    _canonical_with(b'CV 12/UBND', b'CV 12\\/UBND'),
    _canonical_with(b'CV 12/UBND', b'CV \\u0031\\u0032/UBND'),
    _canonical_with(b'CV 12/UBND', b'CV 12\\ud800'),
    _canonical_with(b'CV 12/UBND', b'CV 12\\udc00\\ud800'),
    _canonical_with(b'CV 12/UBND', b'CV 12\xff'),
    _canonical_with(b'CV 12/UBND', b'CV 12\xed\xa0\x80'),
    _canonical_with(b'CV 12/UBND', b'CV 12\xc3'),
    _canonical_with(b'"CV 12/UBND"', b'[' * 2000 + b']' * 2000),
    b"\xef\xbb\xbf" + encode(measurement()),
    encode(measurement()) + b" ",
    encode(measurement()) + b"\n",
    b" " + encode(measurement()),
], ids=["repeated", "repeated-other", "big-int", "int-past-64-bits", "int-of-5000-digits", "version-of-5000-digits",
        "nan", "infinity", "minus-zero", "float", "overflowing-float", "escaped-slash", "escaped-digits",
        "lone-surrogate", "reversed-pair", "not-utf8", "utf8-surrogate", "truncated-utf8", "nested-too-deep",
        "byte-order-mark", "trailing-space", "trailing-newline", "leading-space"])
def test_what_the_compiled_decoder_reads_otherwise_falls_back_with_the_strict_parsers_verdict(raw) -> None:
    assert _agrees(raw, TODAY) is None


@pytest.mark.parametrize("text", [
    "2025-01-03T05:26:00Z", "2025-01-03T05:26:00+07:00", "2025-01-03T05:26:00-05:30", "2025-01-03T05:26:00.000001Z",
    "2025-01-03T05:26:00.000000Z", "2025-01-03T05:26:00+00:00", "2025-01-03T05:26:00-00:00", "2025-01-03T05:26:00",
    "2025-01-03 05:26:00Z", "2025-01-03T05:26Z", "2025-01-03T05:26:00.123Z", "20250103T052600Z",
    "2025-01-03T05:26:00+07:00:30", "2025-01-03T05:26:00+0700", "2025-01-03T05:26:00+07", "2025-02-30T05:26:00Z",
    "2025-01-03T24:00:00Z", "0999-01-03T05:26:00Z", "2025-01-03T05:26:00+23:59", "2025-01-03T05:26:00z",
    "2025-01-03T05:26:00.1234567Z", "２０２５-01-03T05:26:00Z", "2025-01-03T05:26:60Z", "",
])
def test_a_timestamp_is_canonical_for_the_fast_path_exactly_when_the_contract_says_so(text) -> None:
    try:
        expected = _as_timestamp(text)
    except ValueError:
        expected = None
    assert canonical._timestamp(text) == expected
