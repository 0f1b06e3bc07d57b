"""web API tokens: bearer tokens for other government systems calling the read-only API

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 00:30:00.000000

Issue 17. The read-only API is for other systems, which cannot keep a browser's session
cookie alive by signing in through a form. An operator issues a token for a web user
(`tiendo web token add`): the system sends it as `Authorization: Bearer …` and is that
user, with that user's role and agency, on /api/… only. Like a session, only the token's
SHA-256 is kept; a token is revoked or expires, and ends with its user.

On PostgreSQL the web (tiendo_report) reads the tokens and the CLI, connected as the
same role, writes them.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

REPORT_ROLE = "tiendo_report"


def upgrade() -> None:
    op.create_table('web_api_tokens',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_name', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=128), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_api_tokens_token_hash')))
    op.create_index(op.f('ix_web_api_tokens_user_name'), 'web_api_tokens', ['user_name'])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": REPORT_ROLE}).first() is None:
        return
    quote = bind.dialect.identifier_preparer.quote
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {schema}.web_api_tokens TO {quote(REPORT_ROLE)}")
    sequence = bind.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": "web_api_tokens"}).scalar_one()
    op.execute(f"GRANT USAGE ON SEQUENCE {sequence} TO {quote(REPORT_ROLE)}")


def downgrade() -> None:
    op.drop_index(op.f('ix_web_api_tokens_user_name'), table_name='web_api_tokens')
    op.drop_table('web_api_tokens')
