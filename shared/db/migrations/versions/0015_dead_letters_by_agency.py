"""dead letters by agency: an index for an agency's latest rejected events

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 12:00:00.000000

Issue 17. The web view's agency page lists the agency's 50 latest dead letters (newest
first). Without an index on (agency_id, id) that read walks every dead letter from the
newest back until it has found 50 of the agency's, on every view of the page.
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_dead_letters_agency', 'dead_letters', ['agency_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_dead_letters_agency', table_name='dead_letters')
