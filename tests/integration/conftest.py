"""Fixtures the integration tests share."""

from __future__ import annotations

import pytest

from tests.integration.pipeline import Pipeline


@pytest.fixture
def pipeline(settings):
    """The ingest side of this test's pipeline (real broker, the test's database)."""
    p = Pipeline(settings)
    yield p
    p.dispose()
