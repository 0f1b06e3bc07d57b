"""Access (issue 9): an agency's key publishes only for that agency, a revoked key is
refused, agency text is escaped in HTML reports — through the real commands and workers,
on SQLite and PostgreSQL — and on PostgreSQL the role the workers use (tiendo_worker, the
one these commands ran as) may INSERT and SELECT ledger rows but never change them."""

from __future__ import annotations

import pytest

from chaos import access
from tests.integration.chaos_support import chaos_pipeline


@pytest.fixture
def pipe(database_url, kafka_bootstrap, tmp_path):
    p = chaos_pipeline(database_url, kafka_bootstrap, tmp_path)
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
def pg_pipe(pg_admin_url, kafka_bootstrap, tmp_path):
    from tests.conftest import _fresh_pg_database
    from sqlalchemy import text

    name, url, admin = _fresh_pg_database(pg_admin_url)
    p = chaos_pipeline(url, kafka_bootstrap, tmp_path)
    yield p
    p.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_workers_role_may_insert_and_select_ledger_rows_but_never_change_them(pg_pipe):
    checks = access.role_checks(pg_pipe)
    assert {c.name.split()[-1]: c.observed.split()[0] for c in checks} == {
        "SELECT": "allowed", "INSERT": "allowed", "UPDATE": "refused", "DELETE": "refused",
        "TRUNCATE": "refused", "DROP": "refused", "ALTER": "refused"}
    assert _failed(checks) == []
