"""Chaos pipelines (chaos/) on the test session's broker and databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import KafkaCredentials
from shared.db.roles import SERVICE_ROLES, read_passwords

from chaos.infra import Database, service_urls
from chaos.pipeline import Pipeline


def ensure_service_roles(url: str) -> None:
    """The services' roles must exist before the migrations run (0007 grants to them).
    infra/postgres.sh creates them; elsewhere (a test container) create them here, with
    the passwords of the file `make up` wrote."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for role in SERVICE_ROLES.values():
                if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                    continue
                try:
                    password = read_passwords()[role]
                    conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
                except Exception as exc:  # no passwords file, or a refusal: say how to get the roles
                    pytest.fail(f"PostgreSQL has no role {role} and {make_url(url).username} may not create it "
                                f"({exc}); run `infra/postgres.sh up`")
    finally:
        engine.dispose()


def database_for(url: str) -> Database:
    """A test database as chaos sees it: the owner's URL and, on PostgreSQL, each
    service's URL (its own role)."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        return Database(url)
    ensure_service_roles(url)
    return Database(url, service_urls(url), u.set(database="postgres").render_as_string(hide_password=False))


def chaos_pipeline(url: str, bootstrap: str, directory: Path, partitions: int = 3,
                   credentials: KafkaCredentials | None = None) -> Pipeline:
    """A chaos pipeline on a test's database and the session's broker, as the broker
    principal ``credentials`` (the session's `kafka_credentials`; default: from the
    environment, TIENDO_KAFKA_CREDENTIALS)."""
    return Pipeline(database_for(url), bootstrap, directory, partitions=partitions,
                    **({"credentials": credentials} if credentials is not None else {}))
