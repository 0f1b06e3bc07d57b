"""worker role: INSERT and SELECT on the ledger, never UPDATE or DELETE

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 10:30:00.000000

On PostgreSQL, when the role `tiendo_worker` exists (infra/postgres.sh creates it), it gets
what the workers need on every table, except that the ledger is append-only for it: no
UPDATE, DELETE or TRUNCATE on ledger_entries, so a compromised worker cannot rewrite
history. It may read alembic_version (to see the schema is current) but not change it.
Tables created by later migrations get the same default privileges; a later table that
must be append-only revokes them in its own migration. SQLite has no roles: nothing to do.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

WORKER_ROLE = "tiendo_worker"
APPEND_ONLY = ("ledger_entries",)


def _target():
    """(quoted role, quoted schema, quoted database), or None when there is nothing to grant."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": WORKER_ROLE}).first() is None:
        return None
    quote = bind.dialect.identifier_preparer.quote
    schema, database = bind.execute(sa.text("SELECT current_schema(), current_database()")).one()
    return quote(WORKER_ROLE), quote(schema), quote(database)


def upgrade() -> None:
    target = _target()
    if target is None:
        return
    role, schema, database = target
    op.execute(f"GRANT CONNECT ON DATABASE {database} TO {role}")
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}")
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {schema}.{table} FROM {role}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {schema}.alembic_version FROM {role}")


def downgrade() -> None:
    target = _target()
    if target is None:
        return
    role, schema, _ = target
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {role}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
