"""Rendering reports (WeasyPrint PDF, matplotlib charts) and the report CLI take seconds
each, so these tests live here rather than in the fast unit layer; they share the unit
layer's known data set."""

from tests.unit.report.conftest import builder, known, reports, reports_key  # noqa: F401 - fixtures
