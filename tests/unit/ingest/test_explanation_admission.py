"""Ingest admits a signed explanation like any event, and refuses to amend one: a newer
explanation supersedes an older, nothing corrects or retracts it."""

from __future__ import annotations

import json

from tests.factories import event_dict, signed_bytes
from tests.unit.ingest.test_admission import HANOI, FakeLedger, only_reason, records, run

STATED = {"cause": "Chưa kết nối Cổng Dịch vụ công quốc gia", "action": "Nâng cấp hệ thống một cửa điện tử",
          "committed_on": "2025-09-30"}


def _explanation(**changes) -> dict:
    d = event_dict(kind="explanation", observed_at="2025-07-10", event_id="hn-giai-trinh-1", explanation=STATED,
                   **changes)
    d.pop("figure")
    return d


def test_a_signed_explanation_is_accepted() -> None:
    d = run(records(signed_bytes(_explanation(), HANOI)))
    assert [(a.event.kind.value, a.event.figure_type) for a in d.accepted] == [("explanation", None)]
    assert not d.rejected


def test_an_unsigned_explanation_is_rejected() -> None:
    assert only_reason(run(records(json.dumps(_explanation()).encode()))) == "missing_signature"


def test_an_explanation_of_a_target_the_agency_does_not_have_is_rejected() -> None:
    assert only_reason(run(records(signed_bytes(_explanation(target="biometric_checkpoints"), HANOI)))) == \
        "target_not_applicable"


def test_a_correction_of_an_explanation_is_refused() -> None:
    ledger = FakeLedger([_explanation()])
    correction = event_dict(kind="correction", observed_at="2025-07-10", amends="hn-giai-trinh-1")
    retraction = event_dict(kind="retraction", observed_at="2025-07-10", amends="hn-giai-trinh-1")
    assert only_reason(run(records(signed_bytes(correction, HANOI)), ledger)) == "amended_event_mismatch"
    assert only_reason(run(records(signed_bytes(retraction, HANOI)), ledger)) == "amended_event_mismatch"
