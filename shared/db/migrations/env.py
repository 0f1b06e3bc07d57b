"""Alembic environment: runs migrations on the URL given by shared.db.engine."""

from alembic import context
from sqlalchemy import engine_from_config, pool

from shared.db.schema import metadata

config = context.config


def run_migrations() -> None:
    """Apply migrations online; SQLite needs batch mode to alter tables."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
