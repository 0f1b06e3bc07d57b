"""the ledger as its own outbox: unpublished leaf ranges instead of an outbox row per message

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:00:00.000000

Issue 15. A batch's ledger-topic messages and receipts are no longer written to the outbox
(and deleted again) one row each: the batch records the range of leaves it appended, and
the messages are built again from the entries if the worker stops before the broker has
them. Dead letters and tree heads keep the outbox; rows already in it are published as
before. Ingest writes and deletes the ranges.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unpublished_leaves",
        sa.Column("first_leaf", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("end_leaf", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("first_leaf", name="pk_unpublished_leaves"),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = 'tiendo_ingest'")).first() is not None:
        op.execute(f"GRANT SELECT, INSERT, DELETE ON {schema}.unpublished_leaves TO tiendo_ingest")


def downgrade() -> None:
    op.drop_table("unpublished_leaves")
