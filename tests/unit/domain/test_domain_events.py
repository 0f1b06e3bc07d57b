"""The event model, its parser and its canonical bytes."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from shared.domain.events import (
    EventKind,
    MilestoneFigure,
    ProgressReported,
    RatioFigure,
    Reporter,
    Signature,
    canonical_bytes,
    parse_event,
    to_json_bytes,
)
from shared.domain.examples import DEMO_PRIVATE_KEY, DEMO_PUBLIC_KEY, EXAMPLES
from shared.domain.signing import key_id_for, signature_matches
from shared.keyfiles import SigningKey
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.validation import check_event_against_registry
from tests.unit.domain.samples import CONTRACT_MD, TODAY, measurement, milestone

SIGNATURE = {"alg": "Ed25519", "key_id": "ha-noi.21fe31dfa154a261", "value": "ab" * 64}


def _rejected(raw: object) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        parse_event(raw, today=TODAY)  # type: ignore[arg-type]
    return caught.value


def test_bytes_text_and_object_parse_to_the_same_event() -> None:
    raw = measurement()
    text = json.dumps(raw, ensure_ascii=False)
    assert (
        parse_event(raw, today=TODAY)
        == parse_event(text, today=TODAY)
        == parse_event(text.encode(), today=TODAY)
    )


def test_canonical_bytes_sort_keys_drop_signature_and_nulls_and_keep_utf8() -> None:
    event = parse_event(measurement(evidence=None, signature=SIGNATURE), today=TODAY)
    canonical = canonical_bytes(event)
    text = canonical.decode("utf-8")
    assert "signature" not in text and "evidence" not in text and "null" not in text
    assert "Nguyễn Thị Lan" in text
    assert " " not in text.replace("Nguyễn Thị Lan", "").replace("Chánh Văn phòng", "")
    decoded = json.loads(text)
    assert list(decoded) == sorted(decoded)
    assert list(decoded["figure"]) == ["denominator", "numerator", "type"]


def test_wire_form_is_the_canonical_form_plus_the_signature() -> None:
    event = parse_event(measurement(signature=SIGNATURE), today=TODAY)
    wire = json.loads(to_json_bytes(event))
    assert wire.pop("signature") == SIGNATURE
    assert json.dumps(
        wire, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode() == canonical_bytes(event)


def test_null_optional_members_read_as_absent() -> None:
    assert parse_event(measurement(evidence=None, amends=None, signature=None), today=TODAY) == parse_event(
        measurement(), today=TODAY
    )


def test_models_build_from_python_objects() -> None:
    event = ProgressReported(
        schema_version=2,
        event_id="hn-1",
        agency_id="ha-noi",
        target_id="online_dossier_rate",
        kind=EventKind.MEASUREMENT,
        observed_at=date(2025, 3, 31),
        reported_at=datetime(2025, 4, 2, 9, 30, 0, 250000, tzinfo=timezone(timedelta(hours=7))),
        figure=RatioFigure(numerator=1, denominator=2),
        reporter=Reporter(name="Lan", role="Chuyên viên"),
        signature=Signature(alg="Ed25519", key_id="k", value="0" * 128),
    )
    assert b'"reported_at":"2025-04-02T09:30:00.250000+07:00"' in canonical_bytes(event)
    assert parse_event(to_json_bytes(event), today=TODAY) == event


def test_models_are_frozen() -> None:
    event = parse_event(measurement(), today=TODAY)
    with pytest.raises(ValueError):
        event.event_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("2025-04-02T02:30:00+00:00", "2025-04-02T02:30:00Z"),
        ("2025-04-02T09:30:00.500+07:00", "2025-04-02T09:30:00.500000+07:00"),
        ("2025-04-02T09:30:00.000000+07:00", "2025-04-02T09:30:00+07:00"),
    ],
)
def test_a_non_canonical_timestamp_is_refused_with_the_spelling_to_send(
    spelling: str, canonical: str
) -> None:
    rejection = _rejected(measurement(reported_at=spelling))
    assert rejection.code is ReasonCode.INVALID_VALUE
    assert rejection.field == "reported_at"
    assert canonical in rejection.message


@pytest.mark.parametrize("spelling", ["2025-04-02T09:30:00", "2025-04-02 09:30:00+07:00", "2025-04-02"])
def test_a_timestamp_without_offset_or_t_is_refused(spelling: str) -> None:
    assert _rejected(measurement(reported_at=spelling)).code is ReasonCode.INVALID_VALUE


@pytest.mark.parametrize(
    ("value", "code"),
    [("2025/03/31", "invalid_value"), ("2025-02-30", "invalid_value"), (20250331, "wrong_type")],
)
def test_days_are_written_yyyy_mm_dd(value: object, code: str) -> None:
    rejection = _rejected(measurement(observed_at=value))
    assert (rejection.code, rejection.field) == (code, "observed_at")


def test_the_day_of_reporting_is_taken_in_vietnam() -> None:
    # 17:30 UTC on 31 March is 00:30 on 1 April in Hà Nội.
    event = parse_event(
        measurement(observed_at="2025-04-01", reported_at="2025-03-31T17:30:00Z"), today=TODAY
    )
    assert event.observed_at == date(2025, 4, 1)


def test_boundary_days_are_accepted() -> None:
    parse_event(measurement(observed_at="2020-01-01"), today=TODAY)
    parse_event(
        measurement(observed_at=TODAY.isoformat(), reported_at=f"{TODAY}T23:59:59+07:00"), today=TODAY
    )


def test_messages_say_what_is_wrong() -> None:
    rejection = _rejected(measurement(figure={"type": "ratio", "numerator": 120, "denominator": 100}))
    assert rejection.message == "figure: numerator 120 is greater than denominator 100"
    assert (
        str(rejection)
        == "numerator_exceeds_denominator: figure: numerator 120 is greater than denominator 100"
    )
    assert "ha-noi" in _rejected(measurement(agency_id="Hà Nội")).message
    assert _rejected(measurement(figure={"numerator": 1, "denominator": 2})).message == (
        "figure: needs a type member: ratio, count or milestone"
    )


def test_the_most_fundamental_problem_wins_and_the_rest_are_kept() -> None:
    rejection = _rejected(
        measurement(reporter=..., colour=1, figure={"type": "ratio", "numerator": "1", "denominator": 2})
    )
    assert rejection.code is ReasonCode.MISSING_FIELD
    assert [other.code for other in rejection.also] == [ReasonCode.UNKNOWN_FIELD, ReasonCode.WRONG_TYPE]
    assert _rejected(measurement(schema_version=3, reporter=...)).code is ReasonCode.UNKNOWN_SCHEMA_VERSION


@pytest.mark.parametrize("version", [True, 1, 2.0, "2"])
def test_only_the_integer_2_is_version_2(version: object) -> None:
    assert _rejected(measurement(schema_version=version)).code is ReasonCode.UNKNOWN_SCHEMA_VERSION


@pytest.mark.parametrize("figure_value", [True, 5.0, "5"])
def test_integers_are_json_integers(figure_value: object) -> None:
    figure = {"type": "ratio", "numerator": figure_value, "denominator": 10}
    assert _rejected(measurement(figure=figure)).code is ReasonCode.WRONG_TYPE


def test_milestone_done_on_goes_with_done() -> None:
    missing = _rejected(milestone(figure={"type": "milestone", "done": True}))
    assert (missing.code, missing.field) == (ReasonCode.MISSING_FIELD, "figure.done_on")
    stray = _rejected(milestone(figure={"type": "milestone", "done": False, "done_on": "2025-02-01"}))
    assert (stray.code, stray.field) == (ReasonCode.INVALID_VALUE, "figure.done_on")
    not_done = parse_event(milestone(figure={"type": "milestone", "done": False}), today=TODAY)
    assert not_done.figure == MilestoneFigure(done=False)


def test_an_event_cannot_amend_itself() -> None:
    raw = measurement(kind="correction", amends="hn-20250402-0001")
    assert _rejected(raw).code is ReasonCode.INVALID_VALUE


@pytest.mark.parametrize("kind", ["measurement", "correction"])
def test_a_figure_is_required_outside_retractions(kind: str) -> None:
    rejection = _rejected(measurement(kind=kind, figure=..., amends="x" if kind == "correction" else ...))
    assert (rejection.code, rejection.field) == (ReasonCode.MISSING_FIELD, "figure")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a": "\\ud800"}', ReasonCode.NOT_UTF8),
        (b'{"a": NaN}', ReasonCode.NOT_JSON),
        (b"\xef\xbb\xbf{}", ReasonCode.NOT_JSON),
        (b"[" * 100_000, ReasonCode.NOT_JSON),
        (b'"text"', ReasonCode.NOT_AN_OBJECT),
        # Past Python's 4300-digit int conversion limit: json.loads raises a plain ValueError.
        (b'{"schema_version": ' + b"9" * 5000 + b"}", ReasonCode.INVALID_VALUE),
    ],
)
def test_undecodable_messages(raw: bytes, code: ReasonCode) -> None:
    assert _rejected(raw).code is code


@pytest.mark.parametrize(
    ("raw", "code", "escape"),
    [
        (b'{"reporter": {"name": "\\ud800Nguy\xe1\xbb\x85n"}}', ReasonCode.NOT_UTF8, "\\ud800"),
        (json.dumps({**measurement(), "\x00": 1}).encode(), ReasonCode.UNKNOWN_FIELD, "\\u0000"),
    ],
)
def test_a_rejection_message_is_text_any_database_stores(raw: bytes, code: ReasonCode, escape: str) -> None:
    # Regression: messages quoted a lone surrogate (no UTF-8 text) or a member named NUL
    # (PostgreSQL refuses it) raw; the dead letter could not be stored, and ingest stopped
    # on that message at every restart.
    rejection = _rejected(raw)
    assert rejection.code is code
    assert escape in rejection.message and "\x00" not in rejection.message
    rejection.message.encode("utf-8")


def test_there_is_one_example_per_kind() -> None:
    assert sorted({example["kind"] for example in EXAMPLES.values()}) == sorted(EventKind)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_are_valid_and_signed_with_the_demo_key(name: str) -> None:
    event = parse_event(EXAMPLES[name], today=TODAY)
    check_event_against_registry(event)
    assert event.signature is not None
    public = bytes.fromhex(DEMO_PUBLIC_KEY)
    assert SigningKey.derived(event.agency_id, bytes.fromhex(DEMO_PRIVATE_KEY)).public_key == public
    assert event.signature.key_id == key_id_for(event.agency_id, public)
    assert signature_matches(canonical_bytes(event), public, event.signature.value)


def _contract_json_blocks() -> list[dict[str, object]]:
    # The event sections; section 10's blocks (a receipt, a head, a proof) are checked in tests/unit/test_proofs.py.
    text = CONTRACT_MD.read_text("utf-8").split("\n## 10. ")[0]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, re.DOTALL)]


def test_contract_md_shows_exactly_the_examples() -> None:
    blocks = _contract_json_blocks()
    assert len(blocks) == len(EXAMPLES)
    assert all(block in EXAMPLES.values() for block in blocks)


def test_contract_md_worked_example_matches_the_code() -> None:
    text = CONTRACT_MD.read_text("utf-8")
    event = parse_event(EXAMPLES["measurement_ratio"], today=TODAY)
    assert f"```text\n{canonical_bytes(event).decode('utf-8')}\n```" in text
    assert DEMO_PUBLIC_KEY in text
    assert event.signature is not None and f"`{event.signature.value}`" in text
