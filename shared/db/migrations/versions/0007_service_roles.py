"""service roles: each service may do what it does and nothing else

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:00.000000

Issue 13. On PostgreSQL, each of the roles infra/postgres.sh creates (tiendo_ingest,
tiendo_scorer, tiendo_report) gets exactly the privileges its service's code uses, read
from shared/db/ledger.py, projections.py and report_queries.py; everything else stays
with the schema owner (who ran this migration): writing keys, requeueing dead letters
(`tiendo dlq requeue`), `status` across every group, and any DDL. In particular:

- the ledger is append-only for ingest and read-only for the others;
- key_events is read by ingest (to verify signatures) and written by nobody but the owner;
- dead letters are added by ingest, never changed or deleted by any service;
- consumer_offsets holds every service's offsets in one table, so row-level security
  confines each role to the rows of its own consumer group (`<prefix>.<service>`,
  Settings.group): no service can move another's offsets. The owner, as the table's
  owner, is not subject to the policies.

tiendo_worker (migration 0004), which could do all of that, loses every privilege here
(infra/postgres.sh then drops the role). A table added later has no privileges for the
service roles until its own migration grants them. A role that does not exist is left
out (a server without the project's roles); SQLite has no roles: nothing to do.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD_WORKER = "tiendo_worker"
# Per role: table -> privileges (a column list narrows an UPDATE to those columns).
GRANTS = {
    "tiendo_ingest": {
        "alembic_version": "SELECT",  # to see that the schema is current
        "ledger_entries": "SELECT, INSERT",
        "key_events": "SELECT",
        "dead_letters": "SELECT, INSERT",
        "outbox": "SELECT, INSERT, DELETE",  # its messages, deleted once published
        "consumer_offsets": "SELECT, INSERT, UPDATE (next_offset)",
    },
    "tiendo_scorer": {
        "alembic_version": "SELECT",
        "ledger_entries": "SELECT",  # `scorer rebuild`, and checking a ledger message
        "dead_letters": "SELECT",  # `tiendo status`, its container's health check
        "scorer_state": "SELECT, INSERT, UPDATE",
        "scorer_observations": "SELECT, INSERT, DELETE",  # DELETE: `scorer rebuild`
        "agency_target_values": "SELECT, INSERT, DELETE",  # a changed row is replaced
        "national_figures": "SELECT, INSERT, DELETE",
        "agency_scores": "SELECT, INSERT, DELETE",
        "alerts": "SELECT, INSERT, UPDATE (published_at)",
        "consumer_offsets": "SELECT, INSERT, UPDATE (next_offset)",
    },
    "tiendo_report": {
        "alembic_version": "SELECT",
        "ledger_entries": "SELECT",
        "dead_letters": "SELECT",
        "reports": "SELECT, INSERT, UPDATE (files, built_at, published_at)",
        "consumer_offsets": "SELECT",  # `tiendo status`; it consumes nothing, sees no row
    },
}
# Serial columns whose sequence a role draws from when it inserts.
SEQUENCES = {
    "tiendo_ingest": (("ledger_entries", "seq"), ("dead_letters", "id"), ("outbox", "id")),
    "tiendo_scorer": (("alerts", "id"),),
    "tiendo_report": (("reports", "id"),),
}
# The consumer group suffix of each role (Settings.group: `<topic prefix>.<service>`).
GROUP_SUFFIX = {"tiendo_ingest": ".ingest", "tiendo_scorer": ".scorer", "tiendo_report": ".report"}


def _context():
    """(bind, quote, schema, database), or None on SQLite."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    quote = bind.dialect.identifier_preparer.quote
    schema, database = bind.execute(sa.text("SELECT current_schema(), current_database()")).one()
    return bind, quote, quote(schema), quote(database)


def _existing(bind, roles) -> list[str]:
    return [r for r in roles
            if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": r}).first() is not None]


def _sequence(bind, table: str, column: str) -> str:
    name = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table, "c": column}).scalar_one()
    if name is None:
        raise RuntimeError(f"{table}.{column} has no sequence")
    return name  # already qualified and quoted by PostgreSQL


def _revoke_everything(schema: str, database: str, role: str) -> None:
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
    op.execute(f"REVOKE ALL ON SCHEMA {schema} FROM {role}")
    op.execute(f"REVOKE ALL ON DATABASE {database} FROM {role}")


def upgrade() -> None:
    ctx = _context()
    if ctx is None:
        return
    bind, quote, schema, database = ctx
    for old in _existing(bind, [OLD_WORKER]):
        role = quote(old)
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON TABLES FROM {role}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE ALL ON SEQUENCES FROM {role}")
        _revoke_everything(schema, database, role)
    roles = _existing(bind, GRANTS)
    if not roles:
        return
    op.execute(f"ALTER TABLE {schema}.consumer_offsets ENABLE ROW LEVEL SECURITY")
    for name in roles:
        role = quote(name)
        # From nothing, so that running this again (or after a downgrade) grants exactly this.
        _revoke_everything(schema, database, role)
        op.execute(f"GRANT CONNECT ON DATABASE {database} TO {role}")
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        for table, privileges in GRANTS[name].items():
            op.execute(f"GRANT {privileges} ON {schema}.{quote(table)} TO {role}")
        for table, column in SEQUENCES.get(name, ()):
            op.execute(f"GRANT USAGE ON SEQUENCE {_sequence(bind, table, column)} TO {role}")
        suffix = GROUP_SUFFIX[name].replace("'", "''")
        # right() rather than LIKE: a topic prefix may hold the characters LIKE treats specially.
        own_group = f"right(group_id, {len(GROUP_SUFFIX[name])}) = '{suffix}'"
        policy = quote(f"offsets_{name}")
        op.execute(f"DROP POLICY IF EXISTS {policy} ON {schema}.consumer_offsets")
        op.execute(f"CREATE POLICY {policy} ON {schema}.consumer_offsets TO {role} "
                   f"USING ({own_group}) WITH CHECK ({own_group})")


def downgrade() -> None:
    ctx = _context()
    if ctx is None:
        return
    bind, quote, schema, database = ctx
    for name in _existing(bind, GRANTS):
        op.execute(f"DROP POLICY IF EXISTS {quote(f'offsets_{name}')} ON {schema}.consumer_offsets")
        _revoke_everything(schema, database, quote(name))
    op.execute(f"ALTER TABLE {schema}.consumer_offsets DISABLE ROW LEVEL SECURITY")
