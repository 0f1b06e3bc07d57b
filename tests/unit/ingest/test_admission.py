"""Admission rules of ingest, with in-memory fakes for the ledger look-ups."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from services.ingest.admission import MAX_MESSAGE_BYTES, decide
from services.ingest.publish import SigningKey
from shared.db.keys import AgencyKey
from shared.db.ledger import KnownEvent
from shared.domain.chain import content_digest
from shared.domain.events import canonical_bytes, parse_event
from shared.kafka import Record
from tests.factories import event_dict, signed_bytes, utc

TODAY = date(2026, 1, 15)
HANOI = AgencyKey("ha-noi.k1", "ha-noi", "11" * 32, utc(2024, 1, 1), None, None)
BCA = AgencyKey("bo-cong-an.k1", "bo-cong-an", "22" * 32, utc(2024, 1, 1), None, None)
KEYS = {k.key_id: k for k in (HANOI, BCA)}


def sk(k: AgencyKey) -> SigningKey:
    return SigningKey(k.agency_id, k.key_id, k.secret)


class FakeLedger:
    """What the ledger already holds, keyed like the real look-ups."""

    def __init__(self, events=(), retracted=()):
        self.known = {(e["agency_id"], e["event_id"]): KnownEvent(
            content_digest(canonical_bytes(parse_event(json.dumps(e), today=TODAY))),
            e["target_id"], e["kind"], e.get("amends")) for e in events}
        self.retracted_set = set(retracted)

    def lookup_known(self, keys):
        return {k: v for k, v in self.known.items() if k in keys}

    def lookup_retracted(self, keys):
        return {k for k in self.retracted_set if k in keys}


def records(*values, key: str | bytes | None = "ha-noi"):
    k = key.encode() if isinstance(key, str) else key
    return [Record("raw", 0, i, k, v, 0) for i, v in enumerate(values)]


def run(recs, ledger=None, keys=KEYS):
    ledger = ledger or FakeLedger()
    return decide(recs, keys, TODAY, ledger.lookup_known, ledger.lookup_retracted)


def only_reason(decisions) -> str:
    assert not decisions.accepted
    [r] = decisions.rejected
    return r.code.value


def test_a_signed_valid_event_is_accepted():
    d = run(records(signed_bytes(event_dict(), sk(HANOI))))
    assert [a.event.event_id for a in d.accepted] == [d.accepted[0].event.event_id]
    assert not d.rejected


@pytest.mark.parametrize("make, key, code", [
    (lambda: b"x" * (MAX_MESSAGE_BYTES + 1), "ha-noi", "message_too_large"),
    # The key counts too: a 2 MiB key would otherwise ride into the dead letters whole.
    (lambda: signed_bytes(event_dict(), sk(HANOI)), "k" * (2 * MAX_MESSAGE_BYTES), "message_too_large"),
    (lambda: b"\xff\xfe", "ha-noi", "not_utf8"),
    (lambda: b"", "ha-noi", "not_json"),
    (lambda: signed_bytes(event_dict(), sk(HANOI)), None, "missing_key"),
    (lambda: signed_bytes(event_dict(), sk(HANOI)), "bo-cong-an", "key_mismatch"),
    (lambda: json.dumps(event_dict()).encode(), "ha-noi", "missing_signature"),
    (lambda: signed_bytes(event_dict(), sk(BCA)), "ha-noi", "foreign_signature"),
    (lambda: signed_bytes(event_dict(), SigningKey("ha-noi", "ha-noi.zz", "33" * 32)), "ha-noi", "unknown_key"),
    (lambda: signed_bytes(event_dict(), SigningKey("ha-noi", "ha-noi.k1", "33" * 32)), "ha-noi", "bad_signature"),
    (lambda: signed_bytes(event_dict("khong-co"), sk(HANOI)), "khong-co", "unknown_agency"),
    (lambda: signed_bytes(event_dict("tuyen-quang-2025", observed_at="2025-03-31"), sk(HANOI)),
     "tuyen-quang-2025", "agency_not_active"),
    (lambda: signed_bytes(event_dict("bo-cong-an", "land_database"), sk(BCA)), "bo-cong-an", "target_not_applicable"),
])
def test_each_stateless_check_has_its_reason(make, key, code):
    assert only_reason(run(records(make(), key=key))) == code


def test_an_altered_event_fails_its_signature():
    wire = json.loads(signed_bytes(event_dict(), sk(HANOI)))
    wire["figure"]["numerator"] = 81
    assert only_reason(run(records(json.dumps(wire).encode()))) == "bad_signature"


def test_a_revoked_key_verifies_nothing():
    revoked = {HANOI.key_id: AgencyKey(**{**vars(HANOI), "revoked_at": utc(2025, 1, 1)})}
    assert only_reason(run(records(signed_bytes(event_dict(), sk(HANOI))), keys=revoked)) == "revoked_key"


def test_a_rotated_key_verifies_events_reported_before_the_rotation_only():
    rotated = {HANOI.key_id: AgencyKey(**{**vars(HANOI), "rotated_at": utc(2025, 4, 3)})}
    before = signed_bytes(event_dict(observed_at="2025-03-31"), sk(HANOI))   # reported 2025-04-02
    after = signed_bytes(event_dict(observed_at="2025-04-30"), sk(HANOI))    # reported 2025-05-02
    d = run(records(before, after), keys=rotated)
    assert len(d.accepted) == 1 and [r.code.value for r in d.rejected] == ["revoked_key"]


def test_duplicates_within_a_batch_and_against_the_ledger_are_no_ops():
    e = event_dict(event_id="dup")
    wire = signed_bytes(e, sk(HANOI))
    assert run(records(wire, wire)).duplicates == 1
    d = run(records(wire), FakeLedger([e]))
    assert d.duplicates == 1 and not d.accepted and not d.rejected


def test_the_same_event_id_with_other_content_is_a_conflict():
    e = event_dict(event_id="x")
    changed = dict(e, figure={"type": "ratio", "numerator": 1, "denominator": 2})
    assert only_reason(run(records(signed_bytes(changed, sk(HANOI))), FakeLedger([e]))) == "event_id_conflict"


def test_a_resend_signed_with_a_new_key_is_still_a_duplicate():
    e = event_dict(event_id="x")
    new_key = SigningKey("ha-noi", "ha-noi.k2", "44" * 32)
    keys = {**KEYS, "ha-noi.k2": AgencyKey("ha-noi.k2", "ha-noi", "44" * 32, utc(2025, 1, 1), None, None)}
    assert run(records(signed_bytes(e, new_key)), FakeLedger([e]), keys=keys).duplicates == 1


def test_amendments_need_an_existing_unretracted_event_of_the_same_target():
    base = event_dict(event_id="base")
    corr = event_dict(kind="correction", amends="base", event_id="c1")
    retr = event_dict(kind="retraction", amends="base", event_id="r1")
    other_target = event_dict(target="end_to_end_services", kind="correction", amends="base", event_id="c2")
    assert only_reason(run(records(signed_bytes(corr, sk(HANOI))))) == "unknown_amended_event"
    assert only_reason(run(records(signed_bytes(other_target, sk(HANOI))), FakeLedger([base]))) == "amended_event_mismatch"
    assert only_reason(run(records(signed_bytes(retr, sk(HANOI))), FakeLedger([base], [("ha-noi", "base")]))) == "already_retracted"
    # Within one batch: the original, its retraction, then a second retraction.
    retr2 = event_dict(kind="retraction", amends="base", event_id="r2")
    d = run(records(*(signed_bytes(x, sk(HANOI)) for x in (base, retr, retr2))))
    assert [a.event.event_id for a in d.accepted] == ["base", "r1"]
    assert [r.code.value for r in d.rejected] == ["already_retracted"]


def test_an_event_observed_in_the_future_is_rejected():
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    e = event_dict(observed_at=tomorrow, reported_at=f"{tomorrow}T09:00:00+07:00")
    assert only_reason(run(records(signed_bytes(e, sk(HANOI))))) == "observed_in_future"
