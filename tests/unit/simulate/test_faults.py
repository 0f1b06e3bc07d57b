"""Every message gets the outcome the simulator predicts from ingest's own admission rules.

The stream is replayed through ``services.ingest.admission.decide`` in batches, with an
in-memory ledger in place of the database: what it accepts, ignores and rejects (with which
code) must be exactly what the plan says.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timezone

import pytest

from shared.db.ledger import KnownEvent
from shared.domain.reasons import ReasonCode
from shared.domain.keyring import PublicKey
from shared.kafka import Record
from tests.factories import registry

from services.ingest.admission import decide
from services.simulate.faults import FAULTS, FAULTS_BY_NAME, Primary
from services.simulate.plan import Outcome
from services.simulate.profiles import MINISTRY_ROLES, PROVINCE_ROLES

TODAY = date(2026, 1, 15)
NOW = datetime(2026, 1, 15, 3, tzinfo=timezone.utc)


def _replay(messages, keys: dict[str, PublicKey], batch: int = 400) -> list[tuple[str, ReasonCode | None]]:
    """(outcome, reason code) of every message, as ingest decides them."""
    known: dict[tuple[str, str], KnownEvent] = {}
    retracted: set[tuple[str, str]] = set()
    outcomes: list[tuple[str, ReasonCode | None]] = []
    for start in range(0, len(messages), batch):
        chunk = messages[start:start + batch]
        records = [Record("progress", 0, start + i, m.key.encode() if m.key is not None else None, m.value, 0)
                   for i, m in enumerate(chunk)]
        # Received when the simulated agency reported it, as `ingest run --replay-clock` records.
        decisions = decide(records, keys, lambda event: event.reported_at, TODAY,
                           lambda wanted: {k: known[k] for k in wanted if k in known},
                           lambda wanted: {k for k in wanted if k in retracted})
        accepted = {a.record.offset for a in decisions.accepted}
        rejected = {r.record.offset: r.code for r in decisions.rejected}
        for a in decisions.accepted:
            event = a.event
            known[a.key] = KnownEvent(a.digest, event.target_id, event.kind.value, event.amends, a.payload)
            if event.kind.value == "retraction":
                retracted.add((event.agency_id, event.amends))
        for record in records:
            if record.offset in accepted:
                outcomes.append((Outcome.RECORDED.value, None))
            elif record.offset in rejected:
                outcomes.append((Outcome.REJECTED.value, rejected[record.offset]))
            else:
                outcomes.append((Outcome.DUPLICATE.value, None))
    return outcomes


@pytest.mark.parametrize("fixture", ["year", "small_year"])
def test_ingest_decides_exactly_what_the_plan_predicts(request, ring, fixture) -> None:
    messages = request.getfixturevalue(fixture)
    keys = registry(*ring.keys.values())
    predicted = [(m.outcome.value, m.fault.code if m.fault else None) for m in messages]
    assert _replay(messages, keys) == predicted


@pytest.mark.parametrize("fixture", ["year", "small_year"])
def test_every_kind_of_fault_is_sent(request, fixture) -> None:
    messages = request.getfixturevalue(fixture)
    sent = Counter(m.fault.name for m in messages if m.fault is not None)
    assert set(sent) == {f.name for f in FAULTS}
    rejected = [m.value for m in messages if m.outcome is Outcome.REJECTED]
    assert len(set(rejected)) == len(rejected), "dead letters must be told apart by their bytes"


def test_faults_cover_malformed_forged_and_ledger_conflicts() -> None:
    codes = {f.code for f in FAULTS}
    assert {ReasonCode.NOT_JSON, ReasonCode.NOT_UTF8, ReasonCode.WRONG_TYPE, ReasonCode.AGENCY_NOT_ACTIVE,
            ReasonCode.FOREIGN_SIGNATURE, ReasonCode.UNKNOWN_KEY, ReasonCode.BAD_SIGNATURE,
            ReasonCode.EVENT_ID_CONFLICT, ReasonCode.ALREADY_RETRACTED} <= codes
    assert len(codes) == len(FAULTS) == 32


def test_windows_1258_text_is_never_utf8(truth) -> None:
    """Every reporter role has a letter Windows-1258 encodes as one byte ≥ 0x80."""
    for agency in truth.agencies:
        for role in PROVINCE_ROLES + MINISTRY_ROLES:
            text = role.format(name=agency.name_vi)
            with pytest.raises(UnicodeDecodeError):
                text.encode("cp1258", errors="replace").decode("utf-8")


def test_a_foreign_target_derived_from_a_milestone_is_refused_for_its_target(truth, ring) -> None:
    # Regression: the fault kept the milestone's kind, so ingest rightly answered
    # figure_shape_mismatch where the plan predicted target_not_applicable.
    milestone = {"schema_version": 2, "event_id": "na-1", "agency_id": "nghe-an", "target_id": "r57_plan_issued",
                 "kind": "milestone", "observed_at": "2025-02-28", "reported_at": "2025-03-01T08:15:00+07:00",
                 "figure": {"type": "milestone", "done": True, "done_on": "2025-02-25"},
                 "reporter": {"name": "Lê Thị Hương", "role": "Giám đốc Sở"}}
    fresh = iter(f"na-{i}" for i in range(2, 100))
    fault = FAULTS_BY_NAME["foreign_target"]
    key, value = fault.build(Primary(milestone, truth, ring, random.Random(1), lambda: next(fresh)))
    record = Record("progress", 0, 0, key.encode(), value, 0)
    decisions = decide([record], registry(*ring.keys.values()), lambda _: NOW, TODAY, lambda _: {}, lambda _: set())
    assert [r.code for r in decisions.rejected] == [ReasonCode.TARGET_NOT_APPLICABLE]


@pytest.mark.parametrize("numerator, denominator", [(0, 1), (0, 34), (3, 34), (1, 1)])
def test_a_swapped_ratio_always_exceeds_its_denominator(truth, ring, numerator, denominator) -> None:
    # Regression (make bench, N = 1,000,000): 0 of 1 "swapped" became 1 of 1, a valid
    # figure that ingest rightly recorded where the plan predicted a rejection.
    primary = {"schema_version": 2, "event_id": "btp-1", "agency_id": "bo-tu-phap",
               "target_id": "national_databases_completed", "kind": "measurement", "observed_at": "2025-03-12",
               "reported_at": "2025-03-12T15:00:00+07:00",
               "figure": {"type": "ratio", "numerator": numerator, "denominator": denominator},
               "reporter": {"name": "Hồ Ngọc Hùng", "role": "Giám đốc Trung tâm Thông tin"}}
    fresh = iter(f"btp-{i}" for i in range(2, 100))
    key, value = FAULTS_BY_NAME["swapped_ratio"].build(Primary(primary, truth, ring, random.Random(1),
                                                               lambda: next(fresh)))
    record = Record("progress", 0, 0, key.encode(), value, 0)
    decisions = decide([record], registry(*ring.keys.values()), lambda _: NOW, TODAY, lambda _: {}, lambda _: set())
    assert [r.code for r in decisions.rejected] == [ReasonCode.NUMERATOR_EXCEEDS_DENOMINATOR]
