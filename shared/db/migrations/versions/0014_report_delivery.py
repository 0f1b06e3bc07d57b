"""report delivery: e-mail subscriptions and one delivery record per report and subscriber

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 09:30:00.000000

Issue 17. `report_subscriptions` holds who receives the issued reports (an address, as a
role or for an agency, in a language); `report_deliveries` what became of each e-mail:
pending, sent, or failed with the SMTP server's answer and the time of the next attempt.

On PostgreSQL both are the report role's, tiendo_report: the report service sends the
e-mails and records each attempt, and the web view (which runs as that role, migration
0013) manages the subscriptions and shows the deliveries to operators.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

REPORT_ROLE = "tiendo_report"
TABLES = ("report_subscriptions", "report_deliveries")


def upgrade() -> None:
    serial = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('report_subscriptions',
        sa.Column('id', serial, autoincrement=True, nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=True),
        sa.Column('agency_id', sa.String(length=64), nullable=True),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_subscriptions')),
        sa.UniqueConstraint('email', name='uq_report_subscriptions_email'))
    op.create_table('report_deliveries',
        sa.Column('id', serial, autoincrement=True, nullable=False),
        sa.Column('report_id', sa.BigInteger(), nullable=False),
        sa.Column('subscription_id', sa.BigInteger(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('lang', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_deliveries')),
        sa.UniqueConstraint('report_id', 'subscription_id', name='uq_report_deliveries_report_id'))
    op.create_index('ix_report_deliveries_due', 'report_deliveries', ['status', 'next_attempt_at'])
    _grant()


def _grant() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": REPORT_ROLE}).first() is None:
        return
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {schema}.{quote(table)} TO {quote(REPORT_ROLE)}")
        sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar_one()
        op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {quote(REPORT_ROLE)}")


def downgrade() -> None:
    op.drop_index('ix_report_deliveries_due', table_name='report_deliveries')
    op.drop_table('report_deliveries')
    op.drop_table('report_subscriptions')
