"""Least privilege on PostgreSQL (issue 13): one test per role. Each role tries, on a
fresh database migrated by the owner, every statement of chaos/roles.py; what it may do
is stated here, independently of chaos's own expectations, and must be exactly what
PostgreSQL allows (every attempt is rolled back)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from shared.db.engine import drop_database, migrate
from shared.db.roles import SERVICE_ROLES

from chaos.roles import ATTEMPTS, check_roles
from tests.integration.chaos_support import database_for

# Statements everybody may run: reading the ledger and the dead letters, and seeing
# that the schema is current.
EVERYONE = {"SELECT ledger_entries", "SELECT dead_letters", "SELECT alembic_version"}
MAY = {
    "ingest": EVERYONE | {
        "INSERT ledger_entries", "SELECT key_events", "INSERT dead_letters", "INSERT outbox",
        "DELETE outbox (published)", "move ingest's offsets", "add offsets of ingest's group",
        # the Merkle tree: numbered and extended, never rewritten; heads added, never removed
        "INSERT merkle_nodes", "SELECT merkle_nodes", "UPDATE merkle_tree (number leaves)", "INSERT tree_heads",
        # the ledger as its own outbox: a batch's unpublished leaf range, cleared once published
        "INSERT unpublished_leaves", "DELETE unpublished_leaves (published)"},
    "scorer": EVERYONE | {
        "move scorer's offsets", "add offsets of scorer's group", "UPDATE scorer_state", "INSERT scorer_observations",
        "DELETE agency_scores", "UPDATE alerts (published)",
        # the month-end snapshots and its position (issue 15)
        "INSERT snapshot_cells", "SELECT snapshot_cells", "UPDATE snapshot_days (call a stale day current)",
        "SELECT scorer_state (the scorer's position)"},
    "report": EVERYONE | {"INSERT reports", "UPDATE reports (built)", "SELECT merkle_nodes",
                          # a report reads the snapshots when they reflect its cut-off
                          "SELECT snapshot_cells", "SELECT scorer_state (the scorer's position)"},
}


@pytest.fixture
def db(pg_admin_url):
    """A new PostgreSQL database, migrated by the owner, as chaos sees it."""
    from tests.conftest import _fresh_pg_database

    name, url, admin = _fresh_pg_database(pg_admin_url)
    database = database_for(url)
    migrate(database.owner_url)
    yield database
    admin.dispose()
    drop_database(pg_admin_url, name)


def _outcomes(db, role: str) -> dict[str, str]:
    prefix = f"t{uuid.uuid4().hex[:10]}"
    checks = check_roles(db, prefix, roles=(role,))
    return {c.name.split(" ", 1)[1]: c.observed.split()[0] for c in checks}


def _expected(allowed: set[str]) -> dict[str, str]:
    return {a.label: "allowed" if a.label in allowed else "refused" for a in ATTEMPTS}


def test_ingest_appends_to_the_ledger_reads_keys_and_moves_only_its_own_offsets(db):
    assert _outcomes(db, "ingest") == _expected(MAY["ingest"])


def test_scorer_writes_its_projections_and_alerts_and_only_reads_the_ledger(db):
    assert _outcomes(db, "scorer") == _expected(MAY["scorer"])


def test_report_writes_reports_only_and_moves_no_offsets(db):
    assert _outcomes(db, "report") == _expected(MAY["report"])


def test_owner_migrates_writes_keys_requeues_and_moves_any_offsets_without_being_superuser(db):
    assert _outcomes(db, "owner") == _expected({a.label for a in ATTEMPTS})
    engine = create_engine(db.owner_url)
    try:
        with engine.connect() as conn:
            attributes = conn.execute(text(
                "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
            services = conn.execute(text(
                "SELECT count(*) FROM pg_roles WHERE rolname = ANY(:r) AND NOT rolsuper AND NOT rolcreatedb "
                "AND NOT rolcreaterole AND NOT rolbypassrls"), {"r": list(SERVICE_ROLES.values())}).scalar_one()
    finally:
        engine.dispose()
    assert tuple(attributes) == (False, False, False)
    assert services == len(SERVICE_ROLES)


def test_a_service_sees_only_its_own_groups_offsets(db):
    prefix = f"t{uuid.uuid4().hex[:10]}"
    owner = create_engine(db.owner_url)
    with owner.begin() as conn:
        for service in ("ingest", "scorer", "report"):
            conn.execute(text("INSERT INTO consumer_offsets VALUES (:g, 'topic', 0, 5)"), {"g": f"{prefix}.{service}"})
    owner.dispose()
    seen = {}
    for service in SERVICE_ROLES:
        engine = create_engine(db.url(service))
        with engine.connect() as conn:
            seen[service] = sorted(g for (g,) in conn.execute(text("SELECT group_id FROM consumer_offsets")))
        engine.dispose()
    assert seen == {"ingest": [f"{prefix}.ingest"], "scorer": [f"{prefix}.scorer"], "report": [f"{prefix}.report"]}
