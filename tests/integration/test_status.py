"""`tiendo status` with the broker down: it answers promptly with the database's part, says
the broker is unreachable, and prints none of kafka-python's ERROR lines. Real broker to
fill the ledger first, real database (SQLite and PostgreSQL), `tiendo` as a process."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner

from services.cli import main
from shared.config import PROJECT_ROOT
from tests.factories import event_dict

# A safety bound, not a measure of speed: status waits at most a few seconds for the broker
# (services/status.py); a status that waited like a worker (30 s a try) would pass it.
PROMPTLY_S = 20


@pytest.fixture
def recorded(env_for, tmp_path):
    """A ledger of two events recorded by ingest through the real broker (one agency key
    registered): what status must still show once the broker is gone."""
    runner = CliRunner()

    def tiendo(*args):
        result = runner.invoke(main, list(args), env=env_for, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result

    made = json.loads(tiendo("agency", "key", "new", "--agency", "ha-noi", "--out", str(tmp_path / "keys"),
                             "--json").output)
    tiendo("agency", "key", "register", "ha-noi", "--public-key", made["public_key_file"], "--by", "Văn phòng Chính phủ")
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(event_dict(event_id=e), ensure_ascii=False) + "\n" for e in ("a", "b")),
                      encoding="utf-8")
    tiendo("ingest", "publish", str(events), "--key", made["private_key_file"])
    assert json.loads(tiendo("ingest", "run", "--until-idle", "--json").output)["appended"] == 2


def _status(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`tiendo status` as an operator runs it; it must return within PROMPTLY_S."""
    return subprocess.run([sys.executable, "-m", "services", "status", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=PROMPTLY_S)


def test_status_with_the_broker_down_shows_the_database_promptly(recorded, env_for):
    with socket.socket() as closed:  # bound, never listening: connections to it are refused
        closed.bind(("127.0.0.1", 0))
        down = {**env_for, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{closed.getsockname()[1]}",
                "TIENDO_KAFKA_TIMEOUT_MS": "30000"}  # a worker's patience: status must not use it
        as_json = _status(down, "--json")
        as_text = _status(down)
    for done in (as_json, as_text):
        assert done.returncode == 0, done.stderr
        assert "ERROR" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    status = json.loads(as_json.stdout)
    assert status["ledger"]["entries"] == 2 and status["ledger"]["chains"] == 1
    assert status["dead_letters"] == {}
    assert status["broker"]["reachable"] is False and "cannot reach Kafka" in status["broker"]["error"]
    [ingest] = [g for g in status["consumer_groups"] if g["group"].endswith(".ingest")]
    assert ingest["lag"] is None and all(p["offset"] >= 0 and p["end"] is None for p in ingest["partitions"])
    assert "Ledger: 2 entries, 1 agency chains" in as_text.stdout and "Broker: unreachable" in as_text.stdout


def test_status_with_the_broker_up_reports_lag(recorded, env_for):
    done = _status(env_for, "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["broker"]["reachable"] is True and status["broker"]["error"] is None
    [ingest] = [g for g in status["consumer_groups"] if g["group"].endswith(".ingest")]
    assert ingest["lag"] == 0
