"""The operator's view of ingest, through `tiendo` (click's CliRunner), real broker and DB."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from tests.factories import event_dict


@pytest.fixture
def tiendo(env_for):
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), env=env_for, input=input, catch_exceptions=False)

    return invoke


def _jsonl(*events) -> str:
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def _new_key(tiendo, directory, agency="ha-noi") -> dict:
    r = tiendo("agency", "key", "new", "--agency", agency, "--out", str(directory), "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def test_new_register_publish_ingest_verify_and_status(tiendo, tmp_path):
    made = _new_key(tiendo, tmp_path / "keys")
    private = Path(made["private_key_file"])
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in json.dumps(made)  # the private key is never printed
    r = tiendo("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"], "--valid-from",
               "2025-01-01", "--by", "Văn phòng Chính phủ", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["key_id"] == made["key_id"]
    events = tmp_path / "events.jsonl"
    events.write_text(_jsonl(event_dict(event_id="a"), event_dict(event_id="b"), event_dict("khong-co", event_id="c")))

    r = tiendo("ingest", "publish", str(events), "--key", str(private), "--json")
    assert json.loads(r.output) == {"topic": json.loads(r.output)["topic"], "sent": 3, "signed": 3, "unparsed": 0}
    r = tiendo("ingest", "run", "--until-idle", "--json")
    assert json.loads(r.output)["appended"] == 2

    r = tiendo("ledger", "verify")
    assert r.exit_code == 0 and "2 entries" in r.output
    r = tiendo("ledger", "verify", "--json")
    assert json.loads(r.output)["ok"] is True and json.loads(r.output)["key_events"] == 1
    status = json.loads(tiendo("status", "--json").output)
    assert status["ledger"]["entries"] == 2
    assert status["dead_letters"] == {"unknown_agency": 1}
    [group] = [g for g in status["consumer_groups"] if g["group"].endswith(".ingest")]
    assert group["lag"] == 0
    [registered] = json.loads(tiendo("agency", "key", "list", "ha-noi", "--json").output)["key_events"]
    assert (registered["action"], registered["actor"]) == ("registered", "Văn phòng Chính phủ")


def test_a_key_file_is_never_overwritten_or_followed_through_a_link(tiendo, tmp_path):
    _new_key(tiendo, tmp_path / "keys")
    r = tiendo("agency", "key", "new", "--agency", "ha-noi", "--out", str(tmp_path / "keys"))
    assert r.exit_code == 1 and "exists already" in r.output
    planted = tmp_path / "planted"
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "hue.key.pem").symlink_to(planted)
    r = tiendo("agency", "key", "new", "--agency", "hue", "--out", str(tmp_path / "linked"))
    assert r.exit_code == 1 and not planted.exists()


def test_a_dead_letter_is_requeued_after_the_operator_fixes_the_key(tiendo, tmp_path):
    events = tmp_path / "events.jsonl"
    made = _new_key(tiendo, tmp_path / "old")
    tiendo("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"], "--valid-from", "2025-01-01")
    r = tiendo("agency", "key", "revoke", "ha-noi", "--json")
    assert json.loads(r.output)["revoked"] == [made["key_id"]]
    events.write_text(_jsonl(event_dict(event_id="late")))
    tiendo("ingest", "publish", str(events), "--key", made["private_key_file"])
    tiendo("ingest", "run", "--until-idle")
    [dead] = json.loads(tiendo("dlq", "list", "--json").output)["dead_letters"]
    assert dead["reason_code"] == "revoked_key"

    # Requeueing without a fix changes nothing: the copy is still signed with the
    # revoked key and comes back with the same reason (a new dead letter).
    r = tiendo("dlq", "requeue", str(dead["id"]))
    assert r.exit_code == 0 and "requeued 1" in r.output
    tiendo("ingest", "run", "--until-idle")
    listed = json.loads(tiendo("dlq", "list", "--json").output)["dead_letters"]
    assert [d["reason_code"] for d in listed] == ["revoked_key"] and listed[0]["id"] != dead["id"]
    actions = [e["action"] for e in json.loads(tiendo("agency", "key", "list", "--json").output)["key_events"]]
    assert actions == ["registered", "revoked"]


def test_requeue_after_registering_the_missing_key(tiendo, tmp_path):
    # Signed with a key the agency made but the operator has not registered yet.
    made = _new_key(tiendo, tmp_path / "keys")
    events = tmp_path / "e.jsonl"
    events.write_text(_jsonl(event_dict(event_id="x1")))
    tiendo("ingest", "publish", str(events), "--key", made["private_key_file"])
    tiendo("ingest", "run", "--until-idle")
    [dead] = json.loads(tiendo("dlq", "list", "--reason", "unknown_key", "--json").output)["dead_letters"]

    tiendo("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"], "--valid-from", "2025-01-01")
    requeued = json.loads(tiendo("dlq", "requeue", str(dead["id"]), "--json").output)
    assert requeued["requeued"] == [dead["id"]]
    r = tiendo("ingest", "run", "--until-idle", "--json")
    assert json.loads(r.output)["appended"] == 1
    assert json.loads(tiendo("dlq", "list", "--json").output)["dead_letters"] == []


def test_rotation_keeps_what_was_received_and_refuses_the_old_key_afterwards(tiendo, tmp_path):
    old, new = _new_key(tiendo, tmp_path / "old"), _new_key(tiendo, tmp_path / "new")
    tiendo("agency", "key", "register", "ha-noi", "--public-key", old["public_key_file"], "--valid-from", "2025-01-01")
    first = tmp_path / "first.jsonl"
    first.write_text(_jsonl(event_dict(event_id="before")))
    tiendo("ingest", "publish", str(first), "--key", old["private_key_file"])
    tiendo("ingest", "run", "--until-idle")
    r = tiendo("agency", "key", "rotate", "ha-noi", "--public-key", new["public_key_file"], "--json")
    assert r.exit_code == 0, r.output
    # Backdated: written as if reported long before the rotation, signed with the old key.
    late = tmp_path / "late.jsonl"
    late.write_text(_jsonl(event_dict(event_id="backdated", observed_at="2025-01-31"), event_dict(event_id="new")))
    tiendo("ingest", "publish", str(late), "--key", old["private_key_file"])
    tiendo("ingest", "run", "--until-idle")
    dead_letters = json.loads(tiendo("dlq", "list", "--json").output)["dead_letters"]
    assert [d["reason_code"] for d in dead_letters] == ["revoked_key"] * 2
    assert tiendo("ledger", "verify").exit_code == 0  # "before" still verifies under the rotated key


def test_user_mistakes_are_one_line_errors(tiendo, tmp_path):
    r = tiendo("agency", "key", "new", "--agency", "atlantis", "--out", str(tmp_path))
    assert r.exit_code == 2 and "unknown agency 'atlantis'" in r.output  # a usage error, as click's are
    assert "Traceback" not in r.output
    r = tiendo("dlq", "requeue", "999999")
    assert r.exit_code == 1 and "no dead letter with id 999999" in r.output
    r = tiendo("dlq", "requeue", "999999", "--json")
    assert r.exit_code == 1 and json.loads(r.stderr) == {"error": "no dead letter with id 999999"} and not r.stdout
    bad = tmp_path / "bad.key.pem"
    bad.write_text("{}")
    events = tmp_path / "e.jsonl"
    events.write_text("{}\n")
    r = tiendo("ingest", "publish", str(events), "--key", str(bad))
    assert r.exit_code == 1 and "is not a Tiến độ private key file" in r.output
    r = tiendo("agency", "key", "register", "ha-noi", "--public-key", str(bad))
    assert r.exit_code == 1 and "not a PEM public key" in r.output
    made = _new_key(tiendo, tmp_path / "keys")
    r = tiendo("agency", "key", "register", "hue", "--public-key", made["public_key_file"])
    assert r.exit_code == 1 and "is ha-noi's public key, not hue's" in r.output
    tiendo("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"])
    other = _new_key(tiendo, tmp_path / "other")
    r = tiendo("agency", "key", "register", "ha-noi", "--public-key", other["public_key_file"])
    assert r.exit_code == 1 and "tiendo agency key rotate ha-noi" in r.output
    r = tiendo("agency", "key", "register", "ha-noi", "--public-key", other["public_key_file"], "--valid-from", "soon")
    assert r.exit_code == 2 and "not a date" in r.output


def test_a_broker_that_is_down_is_a_one_line_error(tmp_path):
    events = tmp_path / "e.jsonl"
    events.write_text(_jsonl(event_dict()))
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
           "TIENDO_KAFKA_TIMEOUT_MS": "2000"}
    r = CliRunner().invoke(main, ["ingest", "publish", str(events)], env=env)
    assert r.exit_code == 1
    assert r.output.startswith("Error: cannot reach Kafka at 127.0.0.1:1")
