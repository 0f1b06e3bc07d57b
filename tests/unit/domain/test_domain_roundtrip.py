"""Properties of the parser: what it accepts round-trips, and it fails only one way."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.domain.events import ProgressReported, canonical_bytes, parse_event, to_json_bytes
from shared.domain.reasons import ContractViolation
from shared.domain.temporal import VIETNAM_TZ, format_timestamp
from tests.unit.domain.samples import TODAY

_VISIBLE_ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_ids = st.text(alphabet=_VISIBLE_ASCII, min_size=1, max_size=128)
_texts = st.text(min_size=1, max_size=60)
_words = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8), min_size=1, max_size=4
)
_offsets = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@st.composite
def _figure(draw: st.DrawFn, shapes: tuple[str, ...], observed: date) -> dict[str, Any]:
    shape = draw(st.sampled_from(shapes))
    if shape == "ratio":
        denominator = draw(st.integers(min_value=1, max_value=2**53 - 1))
        return {"type": "ratio", "numerator": draw(st.integers(0, denominator)), "denominator": denominator}
    if shape == "count":
        return {"type": "count", "count": draw(st.integers(0, 2**53 - 1))}
    if draw(st.booleans()):
        return {"type": "milestone", "done": True, "done_on": draw(st.dates(max_value=observed))}
    return {"type": "milestone", "done": False}


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """Python-typed event members, valid except for what the model may still refuse."""
    kind = draw(st.sampled_from(["measurement", "milestone", "correction", "retraction"]))
    observed = draw(st.dates(min_value=date(2020, 1, 1), max_value=TODAY))
    # Reported on or after the observed day in Vietnam, written in any whole-minute offset.
    start = datetime.combine(observed, time(), tzinfo=VIETNAM_TZ)
    delay = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    reported = (start + delay).astimezone(draw(_offsets))
    event: dict[str, Any] = {
        "schema_version": 2,
        "event_id": draw(_ids),
        "agency_id": "-".join(draw(_words)),
        "target_id": "t" + "_".join(draw(_words)),
        "kind": kind,
        "observed_at": observed,
        "reported_at": reported,
        "reporter": {"name": draw(_texts), "role": draw(_texts)},
    }
    shapes = {"measurement": ("ratio", "count"), "milestone": ("milestone",)}.get(
        kind, ("ratio", "count", "milestone")
    )
    if kind != "retraction":
        event["figure"] = draw(_figure(shapes, observed))
    if kind in ("correction", "retraction"):
        event["amends"] = draw(_ids)
    if draw(st.booleans()):
        event["evidence"] = draw(st.text(min_size=1, max_size=300))
    if draw(st.booleans()):
        event["signature"] = {
            "alg": "Ed25519",
            "key_id": draw(st.text(alphabet=_VISIBLE_ASCII, min_size=1, max_size=40)),
            "value": draw(st.binary(min_size=64, max_size=64)).hex(),
        }
    return event


@settings(max_examples=100)
@given(events())
def test_every_accepted_event_round_trips_through_json_unchanged(members: dict[str, Any]) -> None:
    try:
        event = ProgressReported.model_validate(members)
    except ValidationError:
        assume(False)
    wire = to_json_bytes(event)
    again = parse_event(wire, today=TODAY)
    assert again == event
    assert to_json_bytes(again) == wire
    assert canonical_bytes(again) == canonical_bytes(event)


@settings(max_examples=100)
@given(events())
def test_the_wire_text_of_an_event_parses_like_the_event(members: dict[str, Any]) -> None:
    wire_members = {
        **members,
        "observed_at": members["observed_at"].isoformat(),
        "reported_at": format_timestamp(members["reported_at"]),
    }
    text = json.dumps(wire_members, default=str, ensure_ascii=False)
    try:
        from_text = parse_event(text, today=TODAY)
    except ContractViolation:
        assume(False)
    assert from_text == parse_event(wire_members, today=TODAY)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=20,
)


@settings(max_examples=200)
@given(st.one_of(st.binary(max_size=200), _json.map(lambda value: json.dumps(value).encode())))
def test_anything_else_is_either_an_event_or_a_contract_violation(raw: bytes) -> None:
    try:
        parse_event(raw, today=TODAY)
    except ContractViolation as violation:
        assert violation.message
