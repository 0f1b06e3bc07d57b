"""Alembic migrations build exactly the tables the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.db.engine import make_engine, migrate
from shared.db.schema import metadata


def test_migrations_match_the_declared_schema(database_url):
    migrate(database_url)
    migrate(database_url)  # a second upgrade is a no-op
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []
