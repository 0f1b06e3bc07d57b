"""Session-wide infrastructure for the integration and end-to-end layers.

Kafka and PostgreSQL come from KAFKA_BOOTSTRAP_SERVERS / TIENDO_TEST_PG_URL when set,
otherwise from testcontainers when a Docker engine answers, otherwise from the locally
started services (`make up`). A test that needs one and finds none fails: never a skip.

Tests talk to the broker as the principal TIENDO_KAFKA_CREDENTIALS names (the Makefile
sets the local broker's admin); without it, as the local broker's admin. The other
principals (ingest, scorer, report, agency) are read from the same directory."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest

from shared.config import KafkaCredentials, Settings

LOCAL_KAFKA = "127.0.0.1:9092"


def _local_pg() -> str:
    """The owner's URL on the local PostgreSQL, its password from the file `make up` wrote."""
    from shared.db.roles import OWNER, PasswordsMissing, role_url

    try:
        return role_url(OWNER)
    except PasswordsMissing as exc:
        pytest.fail(str(exc))


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:  # any failure means: no usable engine here
        return False


def _reachable(hostport: str) -> bool:
    host, _, port = hostport.split(",")[0].rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap():
    """Bootstrap servers of a real broker."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        if not _reachable(configured):
            pytest.fail(f"KAFKA_BOOTSTRAP_SERVERS={configured} does not answer (run `make up`)")
        yield configured
    elif _reachable(LOCAL_KAFKA):
        yield LOCAL_KAFKA
    elif _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as kafka:
            yield kafka.get_bootstrap_server()
    else:
        pytest.fail("no Kafka broker: run `make up`, or set KAFKA_BOOTSTRAP_SERVERS")


ROOT_DIR = Path(__file__).resolve().parent.parent
LOCAL_CREDENTIALS = ROOT_DIR / ".local" / "kafka" / "credentials"


def _credentials_file(principal: str) -> Path:
    configured = os.environ.get("TIENDO_KAFKA_CREDENTIALS")
    folder = Path(configured).parent if configured else LOCAL_CREDENTIALS
    return folder / f"{principal}.env"


def kafka_principal(principal: str) -> KafkaCredentials:
    """The credentials of one of the broker's principals (infra/kafka.sh writes them)."""
    path = _credentials_file(principal)
    if not path.is_file():
        pytest.fail(f"no credentials for the Kafka principal {principal!r} at {path} (run `make up`, "
                    "or set TIENDO_KAFKA_CREDENTIALS to <state>/kafka/credentials/admin.env)")
    return KafkaCredentials.from_env({"TIENDO_KAFKA_CREDENTIALS": str(path)})


def kcat_properties(principal: str) -> Path:
    """The kcat (librdkafka) properties file of a principal: ``kcat -F <it> …``."""
    path = _credentials_file(principal).with_suffix(".kcat.properties")
    if not path.is_file():
        pytest.fail(f"no kcat properties for the Kafka principal {principal!r} at {path} (run `make up`)")
    return path


@pytest.fixture(scope="session")
def kafka_credentials(kafka_bootstrap) -> KafkaCredentials:
    """Who the tests are to the broker: TIENDO_KAFKA_CREDENTIALS / KAFKA_SASL_* when set,
    else the local broker's admin."""
    if os.environ.get("TIENDO_KAFKA_CREDENTIALS") or os.environ.get("KAFKA_SASL_USERNAME"):
        return KafkaCredentials.from_env()
    return kafka_principal("admin")


@pytest.fixture(scope="session")
def pg_admin_url():
    """A PostgreSQL URL whose role may create databases."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("TIENDO_TEST_PG_URL")
    container = None
    if not url:
        if _reachable("127.0.0.1:5432"):
            url = _local_pg()
        elif _docker_answers():
            from testcontainers.postgres import PostgresContainer

            container = PostgresContainer("postgres:16", driver="psycopg").start()
            url = container.get_connection_url()
        else:
            pytest.fail("no PostgreSQL server: run `make up`, or set TIENDO_TEST_PG_URL")
    try:
        with create_engine(url).connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {url} does not answer: {exc}")
    yield url
    if container is not None:
        container.stop()


def _fresh_pg_database(admin_url: str):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return name, url, admin


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, empty database: one run on SQLite and one on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    from shared.db.engine import drop_database

    admin_url = request.getfixturevalue("pg_admin_url")
    name, url, admin = _fresh_pg_database(admin_url)
    admin.dispose()
    yield url
    drop_database(admin_url, name)


@pytest.fixture
def topic_prefix() -> str:
    """A random topic prefix (and so random consumer groups) per test."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def settings(database_url, kafka_bootstrap, kafka_credentials, topic_prefix, tmp_path) -> Settings:
    """Settings for one pipeline of one test."""
    return Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                    topic_prefix=topic_prefix, data_dir=tmp_path, partitions=3,
                    kafka_credentials=kafka_credentials)


@pytest.fixture
def env_for(settings):
    """Environment variables that point a `tiendo` process at this test's pipeline."""
    return {**{k: v for k, v in os.environ.items() if k != "TIENDO_KAFKA_CREDENTIALS"},
            **settings.kafka_credentials.as_env(), "DATABASE_URL": settings.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "TIENDO_TOPIC_PREFIX": settings.topic_prefix, "TIENDO_DATA_DIR": str(settings.data_dir),
            "TIENDO_PARTITIONS": str(settings.partitions)}


ROOT = Path(__file__).resolve().parent.parent
