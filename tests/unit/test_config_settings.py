"""Settings through pydantic-settings: each field reads the variable it names, a bad value
is refused in one line naming that variable, and settings built directly (tests,
benchmarks) never read the environment of the process that builds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import ConfigError, KafkaCredentials, MailSettings, Settings, database_url


@pytest.mark.parametrize("url", [
    "sqlite://", "sqlite:///data/tiendo.db", "sqlite+pysqlite:////var/lib/tiendo.db",
    "postgresql://tiendo:secret@127.0.0.1:5432/tiendo", "postgresql+psycopg://tiendo@db/tiendo", "postgres://x@y/z",
])
def test_the_databases_this_project_opens_are_accepted(url):
    assert Settings.from_env({"DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(("env", "message"), [
    ({"DATABASE_URL": "nonsense"},
     "DATABASE_URL: not a database URL: 'nonsense' (say sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE)"),
    ({"DATABASE_URL": "mysql://tiendo@db/tiendo"}, "DATABASE_URL: mysql is not supported: Tiến độ keeps its data in "
                                                   "SQLite or PostgreSQL"),
    ({"TIENDO_MIGRATE_URL": "/var/lib/tiendo.db"}, "TIENDO_MIGRATE_URL: not a database URL: '/var/lib/tiendo.db'"),
    ({"DATABASE_URL": "tiendo:s3cret@127.0.0.1/tiendo"}, "not a database URL: 'tiendo:***@127.0.0.1/tiendo'"),
    ({"TIENDO_PARTITIONS": "6.5"}, "TIENDO_PARTITIONS: input should be a valid integer"),
    ({"TIENDO_PARTITIONS": "-1"}, "TIENDO_PARTITIONS: input should be greater than 0: '-1'"),
    ({"TIENDO_TOPIC_PREFIX": "tiến độ"}, "TIENDO_TOPIC_PREFIX: string should match pattern"),
    ({"TIENDO_SMTP_PORT": "smtp"}, "TIENDO_SMTP_PORT: input should be a valid integer"),
    ({"TIENDO_SMTP_STARTTLS": "maybe"}, "TIENDO_SMTP_STARTTLS: say true or false"),
    ({"KAFKA_SASL_USERNAME": "ingest"}, "KAFKA_SASL_USERNAME=ingest is set but KAFKA_SASL_PASSWORD is not"),
])
def test_a_bad_value_is_one_line_naming_its_variable(env, message):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    text = str(refused.value)
    assert message in text and "\n" not in text
    assert "default factory" not in text  # the key paths made from a refused value are not named too


def test_two_bad_values_are_both_named_on_one_line():
    with pytest.raises(ConfigError, match="^DATABASE_URL: .*; TIENDO_PARTITIONS: .*$"):
        Settings.from_env({"DATABASE_URL": "nonsense", "TIENDO_PARTITIONS": "many"})


def test_the_process_environment_is_read_by_from_env_only(monkeypatch, tmp_path):
    monkeypatch.setenv("TIENDO_PARTITIONS", "9")
    monkeypatch.setenv("TIENDO_DATA_DIR", str(tmp_path))
    assert Settings.from_env().partitions == 9 and Settings.from_env().data_dir == tmp_path
    assert Settings.from_env({}).partitions == 6  # a mapping given: that mapping only
    built = Settings(database_url="sqlite://", data_dir=tmp_path / "elsewhere")
    assert built.partitions == 6 and built.kafka_credentials == KafkaCredentials()


def test_only_the_documented_variables_are_read():
    # MAIL is set by many Unix logins (the mailbox path); it must not be taken for the mail settings.
    s = Settings.from_env({"MAIL": "/var/mail/root", "mail": "x", "PARTITIONS": "2", "database_url": "nonsense"})
    assert s.mail == MailSettings() and s.partitions == 6 and s.database_url.startswith("sqlite:///")


def test_an_empty_variable_is_an_unset_one(tmp_path):
    s = Settings.from_env({"DATABASE_URL": "", "TIENDO_PARTITIONS": "", "TIENDO_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'tiendo.db'}" and s.partitions == 6


def test_key_files_and_the_database_default_to_the_data_directory(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert (s.database_url, s.ledger_key_path, s.reports_key_path) == (
        f"sqlite:///{tmp_path / 'tiendo.db'}", tmp_path / "keys" / "ledger.key.pem", tmp_path / "keys" / "reports.key.pem")
    given = Settings.from_env({"TIENDO_DATA_DIR": str(tmp_path), "TIENDO_LEDGER_KEY": "/keys/ledger.pem"})
    assert given.ledger_key_path == Path("/keys/ledger.pem") and given.reports_key_path.parent == tmp_path / "keys"


def test_credentials_come_from_their_file_and_the_environment_wins(tmp_path):
    creds = tmp_path / "ingest.env"
    creds.write_text("# written by infra/kafka.sh\nKAFKA_SASL_USERNAME=ingest\nKAFKA_SASL_PASSWORD='s3cret'\n")
    read = KafkaCredentials.from_env({"TIENDO_KAFKA_CREDENTIALS": str(creds)})
    assert (read.security_protocol, read.sasl_mechanism, read.principal) == ("SASL_PLAINTEXT", "SCRAM-SHA-512",
                                                                              "User:ingest")
    assert read.password == "s3cret" and "s3cret" not in repr(read)
    assert KafkaCredentials.from_env({"TIENDO_KAFKA_CREDENTIALS": str(creds),
                                      "KAFKA_SASL_PASSWORD": "other"}).password == "other"
    assert KafkaCredentials.from_env({}) == KafkaCredentials() and KafkaCredentials().security_protocol == "PLAINTEXT"
    assert KafkaCredentials.from_env({"TIENDO_KAFKA_CREDENTIALS": str(creds)}).as_env()["KAFKA_SASL_USERNAME"] == "ingest"


def test_settings_are_frozen():
    with pytest.raises(ValueError):
        Settings().partitions = 3  # type: ignore[misc]


def test_database_url_says_what_is_wrong():
    assert database_url("sqlite://") == "sqlite://"
    with pytest.raises(ValueError, match="oracle is not supported"):
        database_url("oracle://scott@db/orcl")
