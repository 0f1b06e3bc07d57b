"""web users: accounts, sessions and login attempts of the web view

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00.000000

Issue 17. The web view (services/web) keeps its users (a role, an agency for an agency
user, an argon2id password hash), its sessions (the SHA-256 of the cookie's token, never
the token) and the failed login attempts it counts to slow a password guesser down.

On PostgreSQL the web runs as the report role, tiendo_report: it already reads the
ledger, the dead letters, the snapshots and the reports. It is granted here what a page
adds to that: reading the live projections (cells, national rows, scores, alerts) and
writing the three web tables. No new role: the web writes nothing anyone else reads.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

REPORT_ROLE = "tiendo_report"
GRANTS = (
    (REPORT_ROLE, "SELECT", ("agency_target_values", "national_figures", "agency_scores", "alerts")),
    (REPORT_ROLE, "SELECT, INSERT, UPDATE, DELETE", ("web_users", "web_sessions", "web_login_attempts")),
)


def upgrade() -> None:
    op.create_table('web_users',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('agency_id', sa.String(length=64), nullable=True),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_web_users')))
    op.create_table('web_sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_web_sessions')))
    op.create_index(op.f('ix_web_sessions_user_name'), 'web_sessions', ['user_name'])
    op.create_table('web_login_attempts',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_login_attempts')))
    op.create_index('ix_web_login_attempts_key', 'web_login_attempts', ['name', 'address', 'attempted_at'])
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
        if "INSERT" in privileges:
            sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                    {"t": "web_login_attempts"}).scalar_one()
            op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {quote(role)}")


def downgrade() -> None:
    op.drop_index('ix_web_login_attempts_key', table_name='web_login_attempts')
    op.drop_table('web_login_attempts')
    op.drop_index(op.f('ix_web_sessions_user_name'), table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_table('web_users')
