"""Admission rules of ingest, with in-memory fakes for the ledger look-ups."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from services.ingest.admission import MAX_MESSAGE_BYTES, decide
from shared.db.ledger import KnownEvent
from shared.domain.chain import content_digest
from shared.domain.events import canonical_bytes, parse_event, to_json_bytes
from shared.kafka import Record
from tests.factories import event_dict, registry, signed_bytes, signing_key, utc

TODAY = date(2026, 1, 15)
NOW = utc(2026, 1, 15, 3, 0)
HANOI = signing_key("ha-noi")
BCA = signing_key("bo-cong-an")
KEYS = registry(HANOI, BCA)


class FakeLedger:
    """What the ledger already holds, keyed like the real look-ups."""

    def __init__(self, events=(), retracted=()):
        self.known = {}
        for e in events:
            ev = parse_event(json.dumps(e) if isinstance(e, dict) else e, today=TODAY)
            self.known[(ev.agency_id, ev.event_id)] = KnownEvent(
                content_digest(canonical_bytes(ev)), ev.target_id, ev.kind.value, ev.amends,
                to_json_bytes(ev).decode("utf-8"))
        self.retracted_set = set(retracted)

    def lookup_known(self, keys):
        return {k: v for k, v in self.known.items() if k in keys}

    def lookup_retracted(self, keys):
        return {k for k in self.retracted_set if k in keys}


def records(*values, key: str | bytes | None = "ha-noi"):
    k = key.encode() if isinstance(key, str) else key
    return [Record("raw", 0, i, k, v, 0) for i, v in enumerate(values)]


def run(recs, ledger=None, keys=KEYS, now=NOW):
    ledger = ledger or FakeLedger()
    return decide(recs, keys, lambda _event: now, TODAY, ledger.lookup_known, ledger.lookup_retracted)


def only_reason(decisions) -> str:
    assert not decisions.accepted
    [r] = decisions.rejected
    return r.code.value


def test_a_signed_valid_event_is_accepted():
    d = run(records(signed_bytes(event_dict(), HANOI)))
    assert [a.event.event_id for a in d.accepted] == [d.accepted[0].event.event_id]
    assert not d.rejected


def _claiming(wire: bytes, key_id: str) -> bytes:
    """Signed by one key, claiming to be signed by another."""
    d = json.loads(wire)
    d["signature"]["key_id"] = key_id
    return json.dumps(d, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@pytest.mark.parametrize("make, key, code", [
    (lambda: b"x" * (MAX_MESSAGE_BYTES + 1), "ha-noi", "message_too_large"),
    # The key counts too: a 2 MiB key would otherwise ride into the dead letters whole.
    (lambda: signed_bytes(event_dict(), HANOI), "k" * (2 * MAX_MESSAGE_BYTES), "message_too_large"),
    (lambda: b"\xff\xfe", "ha-noi", "not_utf8"),
    (lambda: b"", "ha-noi", "not_json"),
    (lambda: signed_bytes(event_dict(), HANOI), None, "missing_key"),
    (lambda: signed_bytes(event_dict(), HANOI), "bo-cong-an", "key_mismatch"),
    (lambda: json.dumps(event_dict()).encode(), "ha-noi", "missing_signature"),
    (lambda: signed_bytes(event_dict(), BCA), "ha-noi", "foreign_signature"),
    (lambda: signed_bytes(event_dict(), signing_key("ha-noi", "unregistered")), "ha-noi", "unknown_key"),
    (lambda: _claiming(signed_bytes(event_dict(), signing_key("ha-noi", "unregistered")), HANOI.key_id),
     "ha-noi", "bad_signature"),
    (lambda: signed_bytes(event_dict("khong-co"), HANOI), "khong-co", "unknown_agency"),
    (lambda: signed_bytes(event_dict("tuyen-quang-2025", observed_at="2025-03-31"), HANOI),
     "tuyen-quang-2025", "agency_not_active"),
    (lambda: signed_bytes(event_dict("bo-cong-an", "land_database"), BCA), "bo-cong-an", "target_not_applicable"),
])
def test_each_stateless_check_has_its_reason(make, key, code):
    assert only_reason(run(records(make(), key=key))) == code


def test_an_altered_event_fails_its_signature():
    wire = json.loads(signed_bytes(event_dict(), HANOI))
    wire["figure"]["numerator"] = 81
    assert only_reason(run(records(json.dumps(wire).encode()))) == "bad_signature"


def test_a_revoked_key_verifies_nothing_received_after_the_revocation():
    revoked = registry(HANOI, revoked_at=utc(2025, 6, 1))
    backdated = signed_bytes(event_dict(observed_at="2025-03-31"), HANOI)  # reported 2025-04-02
    assert only_reason(run(records(backdated), keys=revoked)) == "revoked_key"
    assert run(records(backdated), keys=revoked, now=utc(2025, 4, 2, 3)).accepted


def test_a_rotated_key_verifies_what_was_received_before_the_rotation_only():
    rotated = registry(HANOI, rotated_at=utc(2025, 4, 3))
    before = signed_bytes(event_dict(observed_at="2025-03-31"), HANOI)   # reported 2025-04-02
    # Received before the rotation: accepted; received after it, even with a reported_at
    # written before it (backdated), refused.
    assert run(records(before), keys=rotated, now=utc(2025, 4, 2, 3)).accepted
    assert only_reason(run(records(before), keys=rotated)) == "revoked_key"


def test_a_key_signs_nothing_received_before_its_valid_from():
    later = registry(HANOI, valid_from=utc(2026, 2, 1))
    assert only_reason(run(records(signed_bytes(event_dict(), HANOI)), keys=later)) == "key_not_yet_valid"


def test_a_reported_at_more_than_five_minutes_after_receipt_is_refused():
    ahead = lambda minutes: (NOW + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")  # noqa: E731
    late = event_dict(observed_at="2026-01-14", reported_at=ahead(6))
    assert only_reason(run(records(signed_bytes(late, HANOI)))) == "reported_in_future"
    skewed = event_dict(observed_at="2026-01-14", reported_at=ahead(4))
    assert run(records(signed_bytes(skewed, HANOI))).accepted


def test_a_correction_dated_2099_is_refused():
    base = event_dict(event_id="base")
    corr = event_dict(kind="correction", amends="base", event_id="c2099", reported_at="2099-01-01T00:00:00+07:00")
    assert only_reason(run(records(signed_bytes(corr, HANOI)), FakeLedger([base]))) == "reported_in_future"


def test_a_dissolved_agencys_key_stops_signing_after_the_grace_period():
    ha_nam = signing_key("ha-nam")  # ceased to exist on 2025-06-30 (merged into Ninh Bình)
    e = signed_bytes(event_dict("ha-nam", observed_at="2025-06-30"), ha_nam)
    keys = registry(ha_nam)
    assert run(records(e, key="ha-nam"), keys=keys, now=utc(2025, 9, 27)).accepted
    assert only_reason(run(records(e, key="ha-nam"), keys=keys, now=utc(2025, 9, 29))) == "agency_dissolved"


def test_an_exact_redelivery_is_not_verified_again():
    e = event_dict(event_id="once")
    wire = signed_bytes(e, HANOI)
    # The key is gone from the registry seen now: a re-delivery of the very bytes recorded
    # is still recognised (verified when it was recorded), anything else is checked.
    d = run(records(wire), FakeLedger([wire]), keys={})
    assert d.duplicates == 1 and not d.rejected


def test_duplicates_within_a_batch_and_against_the_ledger_are_no_ops():
    e = event_dict(event_id="dup")
    wire = signed_bytes(e, HANOI)
    assert run(records(wire, wire)).duplicates == 1
    d = run(records(wire), FakeLedger([e]))
    assert d.duplicates == 1 and not d.accepted and not d.rejected


def test_the_same_event_id_with_other_content_is_a_conflict():
    e = event_dict(event_id="x")
    changed = dict(e, figure={"type": "ratio", "numerator": 1, "denominator": 2})
    assert only_reason(run(records(signed_bytes(changed, HANOI)), FakeLedger([e]))) == "event_id_conflict"


def test_a_resend_signed_with_a_new_key_is_still_a_duplicate():
    e = event_dict(event_id="x")
    new_key = signing_key("ha-noi", "k2")
    keys = {**KEYS, **registry(new_key, valid_from=utc(2025, 1, 1))}
    assert run(records(signed_bytes(e, new_key)), FakeLedger([e]), keys=keys).duplicates == 1


def test_amendments_need_an_existing_unretracted_event_of_the_same_target():
    base = event_dict(event_id="base")
    corr = event_dict(kind="correction", amends="base", event_id="c1")
    retr = event_dict(kind="retraction", amends="base", event_id="r1")
    other_target = event_dict(target="end_to_end_services", kind="correction", amends="base", event_id="c2")
    assert only_reason(run(records(signed_bytes(corr, HANOI)))) == "unknown_amended_event"
    assert only_reason(run(records(signed_bytes(other_target, HANOI)), FakeLedger([base]))) == "amended_event_mismatch"
    assert only_reason(run(records(signed_bytes(retr, HANOI)), FakeLedger([base], [("ha-noi", "base")]))) == "already_retracted"
    # Within one batch: the original, its retraction, then a second retraction.
    retr2 = event_dict(kind="retraction", amends="base", event_id="r2")
    d = run(records(*(signed_bytes(x, HANOI) for x in (base, retr, retr2))))
    assert [a.event.event_id for a in d.accepted] == ["base", "r1"]
    assert [r.code.value for r in d.rejected] == ["already_retracted"]


def test_an_event_observed_in_the_future_is_rejected():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    e = event_dict(observed_at=tomorrow, reported_at=f"{tomorrow}T09:00:00+07:00")
    assert only_reason(run(records(signed_bytes(e, HANOI)))) == "observed_in_future"


def test_the_recorded_time_is_utc_whatever_offset_it_came_with():
    # SQLite keeps a timestamp's wall time and drops its offset: +07:00 would move it 7 hours.
    e = signed_bytes(event_dict(reported_at="2025-04-02T09:30:00+07:00"), HANOI)
    [accepted] = decide(records(e), KEYS, lambda event: event.reported_at, TODAY, lambda _: {}, lambda _: set()).accepted
    assert accepted.recorded_at == utc(2025, 4, 2, 2, 30) and accepted.recorded_at.utcoffset() == timedelta(0)
