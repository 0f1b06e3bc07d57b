"""Events through the real broker into the ledger, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import text

from shared.domain.chain import first_break
from shared.db.dead_letters import DeadLetterStore
from tests.conftest import kcat_properties
from tests.factories import event_dict, signed_bytes
from tests.integration.pipeline import Pipeline


def _ledger_event_ids(p: Pipeline) -> list[str]:
    return [e.event_id for e in p.ledger.entries()]


def test_events_published_with_kafka_python_are_in_the_ledger(pipeline):
    key = pipeline.issue_key("ha-noi")
    events = [event_dict(event_id=f"hn-{i}", observed_at=f"2025-0{1 + i % 6}-01") for i in range(20)]
    pipeline.publish([("ha-noi", signed_bytes(e, key)) for e in events])

    worker = pipeline.ingest()

    assert sorted(_ledger_event_ids(pipeline)) == sorted(e["event_id"] for e in events)
    assert worker.stats.appended == 20
    assert first_break(pipeline.ledger.chain_rows()) is None
    # Announced on the ledger topic after commit, one message per entry.
    announced = [json.loads(r.value) for r in pipeline.broker.read_all(pipeline.settings.topics.ledger)]
    assert sorted(m["event"]["event_id"] for m in announced) == sorted(e["event_id"] for e in events)


def test_a_second_run_resumes_from_the_stored_offsets(pipeline):
    key = pipeline.issue_key("ha-noi")
    pipeline.publish([("ha-noi", signed_bytes(event_dict(event_id=f"a-{i}"), key)) for i in range(5)])
    pipeline.ingest()
    pipeline.publish([("ha-noi", signed_bytes(event_dict(event_id=f"b-{i}"), key)) for i in range(5)])

    second = pipeline.ingest()

    assert second.stats.consumed == 5
    assert pipeline.ledger.ledger_size() == 10


def test_an_event_sent_twice_is_recorded_once(pipeline):
    key = pipeline.issue_key("ha-noi")
    wire = signed_bytes(event_dict(event_id="same"), key)
    pipeline.publish([("ha-noi", wire), ("ha-noi", wire)])

    worker = pipeline.ingest()

    assert _ledger_event_ids(pipeline) == ["same"]
    assert worker.stats.duplicates == 1
    assert DeadLetterStore(pipeline.engine).list() == []


def test_an_event_published_with_kcat_is_accepted_like_any_other(pipeline):
    assert shutil.which("kcat"), "kcat (Debian package) is needed: apt-get install kcat"
    key = pipeline.issue_key("ha-noi")
    wire = signed_bytes(event_dict(event_id="from-kcat"), key)
    subprocess.run(
        ["kcat", "-F", str(kcat_properties(pipeline.settings.kafka_credentials.username or "admin")), "-P",
         "-b", pipeline.settings.kafka_bootstrap_servers, "-t", pipeline.settings.topics.progress, "-k", "ha-noi"],
        input=wire, check=True, timeout=60,
    )

    pipeline.ingest()

    assert _ledger_event_ids(pipeline) == ["from-kcat"]


def test_a_forged_event_is_rejected_with_its_reason(pipeline):
    pipeline.issue_key("ha-noi")
    other = pipeline.issue_key("bo-cong-an")
    forged = signed_bytes(event_dict("ha-noi", event_id="forged"), other)
    pipeline.publish([("ha-noi", forged)])

    pipeline.ingest()

    assert pipeline.ledger.ledger_size() == 0
    [dead] = DeadLetterStore(pipeline.engine).list()
    assert dead.reason_code == "foreign_signature"
    assert dead.original == forged
    dlq = pipeline.broker.read_all(pipeline.settings.topics.dead_letters)
    assert [json.loads(r.value)["reason_code"] for r in dlq] == ["foreign_signature"]


@pytest.mark.parametrize("tamper, expected_seq", [
    ("UPDATE ledger_entries SET payload = replace(payload, '80', '99') WHERE seq = 3", 3),
    ("DELETE FROM ledger_entries WHERE seq = 2", 3),
    ("UPDATE ledger_entries SET chain_pos = 1000 WHERE seq = 2;"
     "UPDATE ledger_entries SET chain_pos = 2 WHERE seq = 3;"
     "UPDATE ledger_entries SET chain_pos = 3 WHERE seq = 2", 3),
    ("INSERT INTO ledger_entries (agency_id, chain_pos, event_id, target_id, kind, observed_at, payload,"
     " content_digest, prev_hash, hash, recorded_at, leaf_index) SELECT agency_id, 6, 'forged', target_id, kind,"
     " observed_at, payload, content_digest, hash, hash, recorded_at, 5 FROM ledger_entries WHERE seq = 5", 6),
])
def test_verify_names_the_first_tampered_entry(pipeline, tamper, expected_seq):
    key = pipeline.issue_key("ha-noi")
    pipeline.publish([("ha-noi", signed_bytes(event_dict(event_id=f"t-{i}"), key)) for i in range(5)])
    pipeline.ingest()
    assert first_break(pipeline.ledger.chain_rows()) is None

    with pipeline.engine.begin() as conn:
        for statement in tamper.split(";"):
            conn.execute(text(statement))

    bad = first_break(pipeline.ledger.chain_rows())
    assert bad is not None and bad.seq == expected_seq
