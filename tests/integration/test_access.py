"""Access (issue 9): an agency's key publishes only for that agency, a revoked key is
refused, agency text is escaped in HTML reports — through the real commands and workers,
on SQLite and PostgreSQL (ingest running as its own role there) — and on PostgreSQL the
chaos scenario's role checks cover every role (tests/integration/test_roles.py states
what each may do)."""

from __future__ import annotations

import pytest

from chaos import access
from tests.integration.chaos_support import chaos_pipeline


@pytest.fixture
def pipe(database_url, kafka_bootstrap, kafka_credentials, tmp_path):
    p = chaos_pipeline(database_url, kafka_bootstrap, tmp_path, credentials=kafka_credentials)
    yield p
    p.dispose()


def _failed(checks):
    return [f"{c.name}: expected {c.expected}, saw {c.observed}" for c in checks if not c.passed]


def test_a_key_publishes_only_for_its_agency_and_nothing_once_revoked(pipe, tmp_path):
    checks, sent = access.key_checks(pipe, tmp_path)
    assert sent == 3
    assert [(c.name, c.observed) for c in checks] == [
        ("own key", "recorded"), ("another agency's key", "foreign_signature"), ("revoked key", "revoked_key")]


def test_agency_text_is_escaped_in_html_and_markdown_reports(pipe, tmp_path):
    checks, _ = access.escape_checks(pipe, tmp_path)
    assert len(checks) == 2
    assert _failed(checks) == []


@pytest.fixture
def pg_pipe(pg_admin_url, kafka_bootstrap, kafka_credentials, tmp_path):
    from shared.db.engine import drop_database
    from tests.conftest import _fresh_pg_database

    name, url, admin = _fresh_pg_database(pg_admin_url)
    p = chaos_pipeline(url, kafka_bootstrap, tmp_path, credentials=kafka_credentials)
    yield p
    p.dispose()
    admin.dispose()
    drop_database(pg_admin_url, name)


def test_the_chaos_access_scenario_tries_every_role_and_each_does_only_its_services_work(pg_pipe):
    checks = access.role_checks(pg_pipe)
    assert {c.name.split()[0] for c in checks} == {"tiendo", "tiendo_ingest", "tiendo_scorer", "tiendo_report"}
    assert {c.observed.split()[0] for c in checks} == {"allowed", "refused"}
    assert _failed(checks) == []
