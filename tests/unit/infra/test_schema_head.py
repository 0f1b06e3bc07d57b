"""The newest migration as the code knows it without Alembic is Alembic's own head."""

from shared.db.engine import HEAD_REVISION, head_revision


def test_the_head_revision_constant_is_alembics_head():
    assert HEAD_REVISION == head_revision()
