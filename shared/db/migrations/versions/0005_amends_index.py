"""ledger: index the amendments by (agency_id, amends)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 13:30:00.000000

Ingest looks up, for every batch, which amended events a retraction already removed.
Without this index both databases walked all of an agency's entries for it, a cost that
grew with the ledger (at a million entries, most of ingest's latency). Partial: only the
amendments (corrections and retractions) are indexed.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_AMENDMENT = sa.text("amends IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_ledger_amends", "ledger_entries", ["agency_id", "amends"], unique=False,
                    sqlite_where=_AMENDMENT, postgresql_where=_AMENDMENT)


def downgrade() -> None:
    op.drop_index("ix_ledger_amends", table_name="ledger_entries")
