"""keys: an append-only registry of agencies' Ed25519 public keys; no secrets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000

Issue 13: agencies hold their own private keys. The agency_keys table, which held every
agency's HMAC secret, goes (no production ledger exists; HMAC is gone entirely), and
key_events records each registration, rotation and revocation with who and when, in one
hash chain. Ledger entries now hash the time ingest recorded them as well; the column
exists already, so only the meaning of `hash` changes.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.drop_table("agency_keys")
    op.create_table(
        "key_events",
        sa.Column("seq", _SEQ, primary_key=True, autoincrement=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(128), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64)),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_key_events"),
        sa.UniqueConstraint("prev_hash", name="uq_key_events_prev_hash"),
    )
    op.create_index("ix_key_events_key_id", "key_events", ["key_id"])
    op.create_index("ix_key_events_agency_id", "key_events", ["agency_id"])


def downgrade() -> None:
    op.drop_index("ix_key_events_agency_id", table_name="key_events")
    op.drop_index("ix_key_events_key_id", table_name="key_events")
    op.drop_table("key_events")
    op.create_table(
        "agency_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("key_id", name="pk_agency_keys"),
    )
    op.create_index("ix_agency_keys_agency_id", "agency_keys", ["agency_id"])
