"""reports carry their Merkle proof instead of a head hash

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 09:00:00.000000

Issue 14, point 5. A report's cut-off is proven by the Merkle tree of the entries it
counts under a signed tree head (services/report/model.py TreeProof), which replaces the
bare SHA-256 of every chain head. The head is chosen when the report is built (a head
covering the cut-off may be signed after the report was claimed), so the proof is
written with the files; the report role may set it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

REPORT_ROLE = "tiendo_report"


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("head_hash")
        batch.add_column(sa.Column("tree", sa.Text(), nullable=True))
    _grant(op.get_bind(), "GRANT UPDATE (tree) ON {table} TO {role}")


def _grant(bind, statement: str) -> None:
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": REPORT_ROLE}).first() is None:
        return
    quote = bind.dialect.identifier_preparer.quote
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    op.execute(statement.format(table=f"{schema}.{quote('reports')}", role=quote(REPORT_ROLE)))


def downgrade() -> None:
    # A report built since has no head hash: an empty one says so (the column was NOT NULL).
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("tree")
        batch.add_column(sa.Column("head_hash", sa.String(length=64), nullable=False, server_default=""))
