"""snapshots: the month ends reports read, kept by the scorer; the scorer's position

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 12:00:00.000000

Issue 15. The scorer keeps the projections of every month end of the open year (and the
six before it) in snapshot tables, one copy of each projection table with the day in its
key, and records how many ledger entries it has applied and the highest seq among them,
so a report or an as-of query can tell whether a snapshot reflects exactly the ledger up
to its cut-off. It no longer holds every entry in memory: an amended agency × target is
replayed from scorer_observations by its key and the days its amendments touch, hence
the two indexes. Existing databases get
their snapshots at the next `scorer rebuild` or, for days not stored yet, when the
scorer next starts.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SCORER_ROLE = "tiendo_scorer"
REPORT_ROLE = "tiendo_report"
SNAPSHOT_TABLES = ("snapshot_cells", "snapshot_national", "snapshot_scores")
GRANTS = (
    (SCORER_ROLE, "SELECT, INSERT, DELETE", (*SNAPSHOT_TABLES, "scorer_skipped")),
    (SCORER_ROLE, "SELECT, INSERT, UPDATE, DELETE", ("snapshot_days",)),
    # A report reads the snapshots and the scorer's position; it writes none of them.
    (REPORT_ROLE, "SELECT", (*SNAPSHOT_TABLES, "snapshot_days", "scorer_state")),
)


def _cell_columns():
    return [
        sa.Column('agency_id', sa.String(length=64), nullable=False),
        sa.Column('target_id', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('numerator', sa.BigInteger(), nullable=True),
        sa.Column('denominator', sa.BigInteger(), nullable=True),
        sa.Column('completion', sa.Float(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('observed_at', sa.Date(), nullable=True),
        sa.Column('source_seq', sa.BigInteger(), nullable=True),
        sa.Column('source_agency_id', sa.String(length=64), nullable=True),
        sa.Column('source_event_id', sa.String(length=128), nullable=True),
        sa.Column('rolled_up', sa.Boolean(), nullable=False),
        sa.Column('projected', sa.Float(), nullable=True),
        sa.Column('evaluated_on', sa.Date(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table('scorer_state') as batch:
        batch.add_column(sa.Column('applied', sa.BigInteger(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('highest_seq', sa.BigInteger(), nullable=False, server_default='0'))
    op.execute("UPDATE scorer_state SET applied = (SELECT count(*) FROM scorer_observations), "
               "highest_seq = (SELECT coalesce(max(seq), 0) FROM scorer_observations)")
    op.create_index('ix_scorer_observations_key', 'scorer_observations', ['agency_id', 'target_id', 'observed_at'])
    amending = sa.text("kind IN ('correction', 'retraction')")
    op.create_index('ix_scorer_observations_amending', 'scorer_observations', ['agency_id', 'target_id'],
                    postgresql_where=amending, sqlite_where=amending)
    op.create_table('scorer_skipped',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_scorer_skipped')))
    op.create_table('snapshot_cells', *_cell_columns(),
        sa.PrimaryKeyConstraint('evaluated_on', 'agency_id', 'target_id', name=op.f('pk_snapshot_cells')))
    op.create_table('snapshot_national',
        sa.Column('target_id', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('numerator', sa.BigInteger(), nullable=True),
        sa.Column('denominator', sa.BigInteger(), nullable=True),
        sa.Column('completion', sa.Float(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('projected', sa.Float(), nullable=True),
        sa.Column('agencies', sa.Integer(), nullable=False),
        sa.Column('reporting', sa.Integer(), nullable=False),
        sa.Column('met', sa.Integer(), nullable=False),
        sa.Column('on_track', sa.Integer(), nullable=False),
        sa.Column('at_risk', sa.Integer(), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('no_data', sa.Integer(), nullable=False),
        sa.Column('evaluated_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('evaluated_on', 'target_id', name=op.f('pk_snapshot_national')))
    op.create_table('snapshot_scores',
        sa.Column('agency_id', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('peers', sa.Integer(), nullable=False),
        sa.Column('targets', sa.Integer(), nullable=False),
        sa.Column('evaluated_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('evaluated_on', 'agency_id', name=op.f('pk_snapshot_scores')))
    op.create_table('snapshot_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_snapshot_days')))
    _grant()


def _grant() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    for role, privileges, tables in GRANTS:
        if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            continue
        for table in tables:
            op.execute(f"GRANT {privileges} ON {schema}.{quote(table)} TO {quote(role)}")


def downgrade() -> None:
    for table in ('snapshot_days', 'snapshot_scores', 'snapshot_national', 'snapshot_cells', 'scorer_skipped'):
        op.drop_table(table)
    op.drop_index('ix_scorer_observations_amending', table_name='scorer_observations')
    op.drop_index('ix_scorer_observations_key', table_name='scorer_observations')
    with op.batch_alter_table('scorer_state') as batch:
        batch.drop_column('highest_seq')
        batch.drop_column('applied')
