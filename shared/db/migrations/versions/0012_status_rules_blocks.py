"""status rules and blocks: met_on and the path's requirement per cell, national rows per block

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 09:00:00.000000

Issue 16. A cell records the day its current run reaching the target began (`met_on`:
done on time or late) and the completion its path (lộ trình) required (`required`, in
place of the old straight-line `projected`); national figures are kept per block
(ministries, provinces, and "all" where a task pools both) with the new statuses counted.
The projection and snapshot tables are derived data: they are recreated empty and the
scorer computes them again from its applied entries on its next start (the stored day is
cleared, every snapshot day marked stale).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SCORER_ROLE = "tiendo_scorer"
REPORT_ROLE = "tiendo_report"
GRANTS = (
    (SCORER_ROLE, "SELECT, INSERT, DELETE", ("agency_target_values", "national_figures", "snapshot_cells",
                                             "snapshot_national")),
    (REPORT_ROLE, "SELECT", ("snapshot_cells", "snapshot_national")),
)


def _cell_columns(required: bool):
    last = ([sa.Column('required', sa.Float(), nullable=True), sa.Column('met_on', sa.Date(), nullable=True)]
            if required else [sa.Column('projected', sa.Float(), nullable=True)])
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
        *last,
        sa.Column('evaluated_on', sa.Date(), nullable=False),
    ]


def _national_columns(blocks: bool):
    counts = ['met', 'met_late', 'on_track', 'at_risk', 'overdue', 'no_data', 'untimed'] if blocks else \
        ['met', 'on_track', 'at_risk', 'overdue', 'no_data']
    return [
        sa.Column('target_id', sa.String(length=64), nullable=False),
        *([sa.Column('block', sa.String(length=16), nullable=False)] if blocks else []),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('numerator', sa.BigInteger(), nullable=True),
        sa.Column('denominator', sa.BigInteger(), nullable=True),
        sa.Column('completion', sa.Float(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        *([sa.Column('met_on', sa.Date(), nullable=True), sa.Column('required', sa.Float(), nullable=True)]
          if blocks else [sa.Column('projected', sa.Float(), nullable=True)]),
        sa.Column('agencies', sa.Integer(), nullable=False),
        sa.Column('reporting', sa.Integer(), nullable=False),
        *(sa.Column(c, sa.Integer(), nullable=False) for c in counts),
        sa.Column('evaluated_on', sa.Date(), nullable=False),
    ]


def _create(new: bool) -> None:
    national_key = ('target_id', 'block') if new else ('target_id',)
    op.create_table('agency_target_values', *_cell_columns(new),
                    sa.PrimaryKeyConstraint('agency_id', 'target_id', name=op.f('pk_agency_target_values')))
    op.create_index(op.f('ix_agency_target_values_status'), 'agency_target_values', ['status'])
    op.create_table('national_figures', *_national_columns(new),
                    sa.PrimaryKeyConstraint(*national_key, name=op.f('pk_national_figures')))
    op.create_table('snapshot_cells', *_cell_columns(new),
                    sa.PrimaryKeyConstraint('evaluated_on', 'agency_id', 'target_id', name=op.f('pk_snapshot_cells')))
    op.create_table('snapshot_national', *_national_columns(new),
                    sa.PrimaryKeyConstraint('evaluated_on', *national_key, name=op.f('pk_snapshot_national')))


def _drop() -> None:
    for table in ('snapshot_national', 'snapshot_cells', 'national_figures', 'agency_target_values'):
        op.drop_table(table)


def _forget_projections() -> None:
    op.execute("DELETE FROM agency_scores")
    op.execute("DELETE FROM snapshot_scores")
    op.execute("DELETE FROM snapshot_days")
    op.execute("UPDATE scorer_state SET evaluated_on = NULL")


def upgrade() -> None:
    _drop()
    _create(True)
    _forget_projections()
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
    _drop()
    _create(False)
    _forget_projections()
    _grant()
