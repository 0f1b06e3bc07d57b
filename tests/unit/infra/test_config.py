"""Configuration comes from the environment, with defaults that need no server."""

from pathlib import Path

from shared.config import PROJECT_ROOT, Settings


def test_defaults_are_the_embedded_sqlite_and_the_local_broker():
    s = Settings.from_env({})
    assert s.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'tiendo.db'}"
    assert s.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert s.topics.progress == "tiendo.progress.v1"
    assert s.topics.dead_letters == "tiendo.progress.dlq.v1"
    assert s.group("ingest") == "tiendo.ingest"


def test_the_environment_overrides_every_setting(tmp_path):
    s = Settings.from_env({"DATABASE_URL": "postgresql://x/y", "KAFKA_BOOTSTRAP_SERVERS": "k:1",
                           "TIENDO_TOPIC_PREFIX": "pilot", "TIENDO_DATA_DIR": str(tmp_path),
                           "TIENDO_PARTITIONS": "12", "TIENDO_KAFKA_TIMEOUT_MS": "500",
                           "TIENDO_MIGRATE_URL": "postgresql://owner@x/y"})
    assert (s.database_url, s.kafka_bootstrap_servers, s.partitions, s.kafka_timeout_ms) == ("postgresql://x/y", "k:1", 12, 500)
    assert s.migrate_url == "postgresql://owner@x/y" and Settings.from_env({}).migrate_url is None
    assert s.topics.all() == ["pilot.progress.v1", "pilot.progress.dlq.v1", "pilot.ledger.v1",
                              "pilot.reports.v1", "pilot.alerts.v1", "pilot.receipts.v1", "pilot.tree-heads.v1"]
    assert s.group("scorer") == "pilot.scorer"
    assert Settings.from_env({"TIENDO_DATA_DIR": str(tmp_path)}).database_url == f"sqlite:///{Path(tmp_path) / 'tiendo.db'}"
