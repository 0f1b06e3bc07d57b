"""Chaos pipelines (chaos/) on the test session's broker and databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chaos.infra import PASSWORD, WORKER_ROLE, Database
from chaos.pipeline import Pipeline


def _ensure_worker_role(url: str) -> None:
    """The workers' role must exist before the migrations run (they grant to it).
    infra/postgres.sh creates it; elsewhere (a test container) create it here."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": WORKER_ROLE}).first():
                return
            try:
                conn.execute(text(f"CREATE ROLE {WORKER_ROLE} LOGIN PASSWORD '{PASSWORD}'"))
            except Exception as exc:  # any refusal: say how to get the role
                pytest.fail(f"PostgreSQL has no role {WORKER_ROLE} and {make_url(url).username} may not create it "
                            f"({exc}); run `infra/postgres.sh up`")
    finally:
        engine.dispose()


def database_for(url: str) -> Database:
    """A test database as chaos sees it: the owner's URL, and the URL workers use (the
    tiendo_worker role on PostgreSQL, the same file on SQLite)."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        return Database(url, url)
    _ensure_worker_role(url)
    worker = u.set(username=WORKER_ROLE, password=PASSWORD).render_as_string(hide_password=False)
    return Database(url, worker, u.set(database="postgres").render_as_string(hide_password=False))


def chaos_pipeline(url: str, bootstrap: str, directory: Path, partitions: int = 3) -> Pipeline:
    """A chaos pipeline on a test's database and the session's broker."""
    return Pipeline(database_for(url), bootstrap, directory, partitions=partitions)
