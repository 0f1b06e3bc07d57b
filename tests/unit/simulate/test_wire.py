"""The simulator's fast encoder writes exactly the contract's canonical bytes and signatures."""

from __future__ import annotations

import json
from datetime import date, timedelta, timezone

import pytest

from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.domain.signing import signature_matches
from shared.domain.examples import DEMO_PRIVATE_KEY, EXAMPLES
from shared.domain.temporal import format_timestamp
from shared.keyfiles import SigningKey

from services.simulate.plan import Outcome
from services.simulate.wire import ClockStyle, encode, instant, signed, to_datetime, vietnam_ordinal, wire_bytes

VIETNAM = timezone(timedelta(hours=7))


def test_the_contract_worked_example() -> None:
    """docs/contract.md §5: the §6.1 measurement signed with the demo key."""
    event = {
        "schema_version": 2, "event_id": "hn-20250402-0001", "agency_id": "ha-noi",
        "target_id": "online_dossier_rate", "kind": "measurement", "observed_at": "2025-03-31",
        "reported_at": "2025-04-02T09:30:00+07:00",
        "figure": {"type": "ratio", "numerator": 395120, "denominator": 471830},
        "reporter": {"name": "Nguyễn Thị Lan", "role": "Phó Chánh Văn phòng UBND Thành phố Hà Nội"},
        "evidence": "Báo cáo 112/BC-UBND ngày 02/04/2025",
    }
    key = SigningKey.derived("ha-noi", bytes.fromhex(DEMO_PRIVATE_KEY))
    sent = json.loads(wire_bytes(event, key))
    assert sent["signature"] == EXAMPLES["measurement_ratio"]["signature"]
    assert wire_bytes(event, key) == encode(signed(event, key))


def test_every_simulated_event_is_in_canonical_form_and_verifies(year, ring) -> None:
    recorded = [m for m in year if m.outcome is Outcome.RECORDED]
    assert len(recorded) > 5000
    for message in recorded:
        event = parse_event(message.value, today=date(2026, 1, 15))
        assert to_json_bytes(event) == message.value
        key = ring[event.agency_id]
        assert event.signature.key_id == key.key_id
        assert signature_matches(canonical_bytes(event), key.public_key, event.signature.value)


@pytest.mark.parametrize("style", [ClockStyle(), ClockStyle(utc=True), ClockStyle(micros=True),
                                   ClockStyle(utc=True, micros=True)])
@pytest.mark.parametrize(("day", "minutes", "micros"), [
    (date(2025, 1, 1), 0, 0), (date(2025, 3, 31), 450, 1), (date(2025, 12, 31), 23 * 60 + 59, 999_999),
    (date(2025, 6, 30), 3 * 60, 500_000),
])
def test_timestamps_are_written_in_the_canonical_spelling(style, day, minutes, micros) -> None:
    moment = instant(day, minutes, micros)
    written = style.write(moment)
    expected = to_datetime(moment)
    if not style.micros:
        expected = expected.replace(microsecond=0)
    assert written == format_timestamp(expected if style.utc else expected.astimezone(VIETNAM))
    assert vietnam_ordinal(moment) == day.toordinal()
