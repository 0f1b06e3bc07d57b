"""The bad-input corpus (chaos/corpus.py) judged by ingest's admission in process, on a
SQLite key registry: every bad message gets the reason code the corpus expects, every
valid one is accepted. The same corpus goes through the real broker and worker in
tests/integration/test_bad_input_corpus.py; this catches a wrong expectation in seconds."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from shared.clock import vietnam_today
from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyStore
from shared.domain.reasons import ReasonCode
from shared.kafka.client import Record

from services.ingest.admission import decide

from chaos import corpus


@pytest.fixture
def keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    migrate(url)
    engine = make_engine(url)
    yield KeyStore(engine)
    engine.dispose()


def _judge(built: corpus.Corpus, keys: KeyStore, received_at: datetime):
    """Every message of the corpus through admission as one batch, in order (a batch
    remembers what it accepted, as the ledger would)."""
    records = [Record("progress", 0, i, k.encode() if isinstance(k, str) else k, v, 0)
               for i, (k, v) in enumerate(built.expected.messages)]
    return decide(records, keys.all(), lambda _ev: received_at, vietnam_today(), lambda _wanted: {},
                  lambda _amended: set())


def test_the_corpus_covers_every_reason_code_once_per_name():
    assert {k.reason for k in corpus.KINDS} == set(ReasonCode)
    assert len({k.name for k in corpus.KINDS}) == len(corpus.KINDS)
    names = {k.name: k.reason for k in corpus.KINDS}
    assert names["future_correction"] is ReasonCode.REPORTED_IN_FUTURE
    assert names["rotated_backdated"] is names["revoked_backdated"] is ReasonCode.REVOKED_KEY
    assert names["dissolved_agency"] is ReasonCode.AGENCY_DISSOLVED
    assert names["key_not_yet_valid"] is ReasonCode.KEY_NOT_YET_VALID


def test_every_bad_message_gets_its_reason_and_every_valid_one_is_accepted(keys):
    built = corpus.build(keys)

    decisions = _judge(built, keys, datetime.now(timezone.utc))

    by_bytes = {(r.record.value or b""): r.code.value for r in decisions.rejected}
    wrong = {value[:60]: (reason, by_bytes.get(value)) for (value, reason) in built.expected.rejected
             if by_bytes.get(value) != reason}
    assert wrong == {}
    assert Counter(r.code for r in decisions.rejected) == Counter(k.reason for k in corpus.KINDS)
    assert {(a.event.agency_id, a.event.event_id) for a in decisions.accepted} == built.expected.recorded
    assert decisions.duplicates == 0


def test_the_time_cases_depend_on_when_ingest_receives_them(keys):
    """The same bytes judged before the rotation, revocation and dissolution took effect
    would pass: it is the receiving time, not the reported_at, that refuses them."""
    built = corpus.build(keys)
    cases = {k.name for k in corpus.KINDS if k.reason in (ReasonCode.REVOKED_KEY, ReasonCode.AGENCY_DISSOLVED,
                                                          ReasonCode.REPORTED_IN_FUTURE)}
    assert cases == {"revoked_key", "revoked_backdated", "rotated_backdated", "dissolved_agency",
                     "future_correction"}

    def reason(decisions, name: str) -> str:
        value = built.bad[name][1]
        if any(a.record.value == value for a in decisions.accepted):
            return "accepted"
        return next(r.code.value for r in decisions.rejected if r.record.value == value)

    # Before the rotation and revocation, and within the dissolved province's grace
    # period, the backdated events' keys still signed.
    back_then = _judge(built, keys, datetime(2025, 7, 10, tzinfo=timezone.utc))
    assert {n: reason(back_then, n) for n in cases} == {
        "revoked_key": "reported_in_future",  # reported just now: years after July 2025
        "revoked_backdated": "accepted", "rotated_backdated": "accepted", "dissolved_agency": "accepted",
        "future_correction": "reported_in_future"}
    now = _judge(built, keys, datetime.now(timezone.utc) + timedelta(seconds=1))
    assert {n: reason(now, n) for n in cases} == {
        "revoked_key": "revoked_key", "revoked_backdated": "revoked_key", "rotated_backdated": "revoked_key",
        "dissolved_agency": "agency_dissolved", "future_correction": "reported_in_future"}
