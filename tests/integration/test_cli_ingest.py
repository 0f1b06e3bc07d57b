"""The operator's view of ingest, through `tiendo` (click's CliRunner), real broker and DB."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.db.engine import make_engine
from shared.db.keys import KeyStore
from tests.factories import event_dict


@pytest.fixture
def tiendo(env_for):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), env=env_for, input=input, catch_exceptions=False)

    return invoke


def _jsonl(*events) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def test_issue_publish_ingest_verify_and_status(tiendo, tmp_path):
    keyfile = tmp_path / "ha-noi.key.json"
    r = tiendo("agency", "key", "issue", "ha-noi", "--out", str(keyfile))
    assert r.exit_code == 0, r.output
    assert json.loads(keyfile.read_text())["agency_id"] == "ha-noi"
    events = tmp_path / "events.jsonl"
    events.write_text(_jsonl(event_dict(event_id="a"), event_dict(event_id="b"), event_dict("khong-co", event_id="c")))

    r = tiendo("ingest", "publish", str(events), "--key", str(keyfile), "--json")
    assert json.loads(r.output) == {"topic": json.loads(r.output)["topic"], "sent": 3, "signed": 3, "unparsed": 0}
    r = tiendo("ingest", "run", "--until-idle", "--json")
    assert json.loads(r.output)["appended"] == 2

    r = tiendo("ledger", "verify")
    assert r.exit_code == 0 and "2 entries" in r.output
    status = json.loads(tiendo("status", "--json").output)
    assert status["ledger"]["entries"] == 2
    assert status["dead_letters"] == {"unknown_agency": 1}
    [group] = [g for g in status["consumer_groups"] if g["group"].endswith(".ingest")]
    assert group["lag"] == 0


def test_a_dead_letter_is_requeued_after_the_operator_fixes_the_key(tiendo, tmp_path):
    events = tmp_path / "events.jsonl"
    oldkey = tmp_path / "old.key.json"
    tiendo("agency", "key", "issue", "ha-noi", "--out", str(oldkey))
    tiendo("agency", "key", "revoke", "ha-noi")
    events.write_text(_jsonl(event_dict(event_id="late")))
    tiendo("ingest", "publish", str(events), "--key", str(oldkey))
    tiendo("ingest", "run", "--until-idle")
    [dead] = json.loads(tiendo("dlq", "list", "--json").output)
    assert dead["reason_code"] == "revoked_key"

    # Requeueing without a fix changes nothing: the copy is still signed with the
    # revoked key and comes back with the same reason (a new dead letter).
    r = tiendo("dlq", "requeue", str(dead["id"]))
    assert r.exit_code == 0 and "requeued 1" in r.output
    tiendo("ingest", "run", "--until-idle")
    listed = json.loads(tiendo("dlq", "list", "--json").output)
    assert [d["reason_code"] for d in listed] == ["revoked_key"] and listed[0]["id"] != dead["id"]


def test_requeue_after_registering_the_missing_key(tiendo, settings, tmp_path):
    # Signed with a key this installation does not know yet (issued elsewhere).
    foreign = tmp_path / "unknown.json"
    foreign.write_text(json.dumps({"agency_id": "ha-noi", "key_id": "ha-noi.elsewhere", "secret": "ab" * 32}))
    events = tmp_path / "e.jsonl"
    events.write_text(_jsonl(event_dict(event_id="x1")))
    tiendo("ingest", "publish", str(events), "--key", str(foreign))
    tiendo("ingest", "run", "--until-idle")
    [dead] = json.loads(tiendo("dlq", "list", "--reason", "unknown_key", "--json").output)

    engine = make_engine(settings.database_url)
    KeyStore(engine).add("ha-noi.elsewhere", "ha-noi", "ab" * 32, rotate_previous=False)
    engine.dispose()

    tiendo("dlq", "requeue", str(dead["id"]))
    r = tiendo("ingest", "run", "--until-idle", "--json")
    assert json.loads(r.output)["appended"] == 1
    assert json.loads(tiendo("dlq", "list", "--json").output) == []


def test_user_mistakes_are_one_line_errors(tiendo, tmp_path):
    r = tiendo("agency", "key", "issue", "atlantis")
    assert r.exit_code == 1 and r.output.strip().startswith("Error: unknown agency 'atlantis'")
    assert "Traceback" not in r.output
    r = tiendo("dlq", "requeue", "999999")
    assert r.exit_code == 1 and "no dead letter with id 999999" in r.output
    bad = tmp_path / "bad.key.json"
    bad.write_text("{}")
    events = tmp_path / "e.jsonl"
    events.write_text("{}\n")
    r = tiendo("ingest", "publish", str(events), "--key", str(bad))
    assert r.exit_code == 1 and "is not a Tiến độ key file" in r.output
    tiendo("agency", "key", "issue", "ha-noi", "--out", str(tmp_path / "a.json"))
    r = tiendo("agency", "key", "issue", "ha-noi", "--out", str(tmp_path / "b.json"))
    assert r.exit_code == 1 and "tiendo agency key rotate ha-noi" in r.output


def test_a_broker_that_is_down_is_a_one_line_error(tmp_path):
    events = tmp_path / "e.jsonl"
    events.write_text(_jsonl(event_dict()))
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
           "TIENDO_KAFKA_TIMEOUT_MS": "2000"}
    r = CliRunner().invoke(main, ["ingest", "publish", str(events)], env=env)
    assert r.exit_code == 1
    assert r.output.startswith("Error: cannot reach Kafka at 127.0.0.1:1")
