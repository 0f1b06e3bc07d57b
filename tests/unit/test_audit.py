"""`ledger verify`'s per-entry check: every column the pipeline reads is the payload's,
and the agency's signature holds under the key registered at the entry's recorded time."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from shared.domain.audit import entry_check
from shared.domain.chain import GENESIS_HASH, ChainRow, content_digest, entry_hash
from shared.domain.events import canonical_bytes, parse_event
from tests.factories import event_dict, registry, signed_bytes, signing_key, utc

KEY = signing_key("ha-noi")
AT = utc(2025, 4, 2, 3)


def _row(wire: bytes, recorded_at=AT) -> ChainRow:
    ev = parse_event(wire, today=date.max)
    payload = wire.decode("utf-8")
    return ChainRow(1, ev.agency_id, 1, ev.event_id, payload, GENESIS_HASH,
                    entry_hash(GENESIS_HASH, ev.agency_id, 1, ev.event_id, payload, recorded_at), recorded_at,
                    ev.target_id, ev.kind.value, ev.observed_at, ev.amends, content_digest(canonical_bytes(ev)))


ROW = _row(signed_bytes(event_dict(event_id="e1"), KEY))
CHECK = entry_check(registry(KEY))


def test_an_untouched_entry_passes():
    assert CHECK(ROW) is None


@pytest.mark.parametrize("column, value", [
    ("target_id", "end_to_end_services"), ("kind", "correction"), ("observed_at", date(2025, 3, 30)),
    ("amends", "e0"), ("content_digest", "0" * 64), ("event_id", "e2"), ("agency_id", "hue"),
])
def test_a_column_that_is_not_the_payloads_is_named(column, value):
    assert column in CHECK(replace(ROW, **{column: value}))


def test_a_payload_changed_and_rehashed_fails_its_signature():
    wire = json.loads(ROW.payload)
    wire["figure"]["numerator"] = 99
    forged = _row(json.dumps(wire, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    assert "signature" in CHECK(forged)


def test_the_signature_is_judged_at_the_recorded_time():
    revoked = entry_check(registry(KEY, revoked_at=utc(2025, 5, 1)))
    assert revoked(ROW) is None
    assert "revoked" in revoked(_row(ROW.payload.encode(), recorded_at=utc(2025, 5, 2)))
    assert "no signing key" in entry_check({})(ROW)


def test_a_reported_at_after_the_recorded_time_is_named():
    assert "reported_at" in CHECK(_row(ROW.payload.encode(), recorded_at=utc(2025, 4, 1)))
