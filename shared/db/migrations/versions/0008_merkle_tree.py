"""merkle tree: leaf order, complete subtree hashes and signed tree heads

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 02:00:00.000000

Issue 14. Every ledger entry gets its leaf index (existing entries in seq order, which is
their commit order), the tree's nodes are built for the entries already there, and the
service roles get what they use: ingest extends the tree and records heads; report reads
them (a report carries the head of its cut-off; verify checks consistency).
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

GRANTS = {
    "tiendo_ingest": {"merkle_tree": "SELECT, UPDATE (size)", "merkle_nodes": "SELECT, INSERT",
                      "tree_heads": "SELECT, INSERT"},
    "tiendo_report": {"merkle_tree": "SELECT", "merkle_nodes": "SELECT", "tree_heads": "SELECT"},
    "tiendo_scorer": {},
}
CHUNK = 20_000


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("leaf_index", sa.BigInteger(), nullable=True))
    op.create_table(
        "merkle_tree",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_merkle_tree"),
    )
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_merkle_nodes"),
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(250), nullable=False),
        sa.Column("signature", sa.LargeBinary(64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name="pk_tree_heads"),
    )
    size = _build_existing_tree(op.get_bind())
    op.execute(sa.text("INSERT INTO merkle_tree (id, size) VALUES (1, :n)").bindparams(n=size))
    with op.batch_alter_table("ledger_entries") as batch:
        batch.alter_column("leaf_index", existing_type=sa.BigInteger(), nullable=False)
        batch.create_unique_constraint("uq_ledger_leaf_index", ["leaf_index"])
    _grant(op.get_bind())


def _build_existing_tree(bind) -> int:
    """Number the entries already recorded, in seq order, and store their tree's nodes."""
    from shared.domain.merkle import append_leaves
    from shared.domain.tree_head import entry_leaf_hash

    rows = bind.execute(sa.text("SELECT seq, hash FROM ledger_entries ORDER BY seq")).fetchall()
    size, frontier = 0, []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        bind.execute(sa.text("UPDATE ledger_entries SET leaf_index = :i WHERE seq = :s"),
                     [{"i": size + i, "s": seq} for i, (seq, _) in enumerate(chunk)])
        made, frontier = append_leaves(size, frontier, [entry_leaf_hash(h) for _, h in chunk])
        bind.execute(sa.text("INSERT INTO merkle_nodes (level, idx, hash) VALUES (:l, :i, :h)"),
                     [{"l": level, "i": index, "h": h} for level, index, h in made])
        size += len(chunk)
    return size


def _grant(bind) -> None:
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    schema = quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    for role, tables in GRANTS.items():
        if bind.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            continue
        for table, privileges in tables.items():
            op.execute(f"GRANT {privileges} ON {schema}.{quote(table)} TO {quote(role)}")


def downgrade() -> None:
    op.drop_table("tree_heads")
    op.drop_table("merkle_nodes")
    op.drop_table("merkle_tree")
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_constraint("uq_ledger_leaf_index", type_="unique")
        batch.drop_column("leaf_index")
