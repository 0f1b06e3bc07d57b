"""What each PostgreSQL role may do, tried for real: every role (the owner and each
service's) runs every statement below in a transaction that is then rolled back, and the
outcome is compared with the services the statement is meant for.

A statement is refused when PostgreSQL says so (insufficient privilege, or a row-level
security policy refusing a new row), or, for an UPDATE or DELETE, when it touched no row
although one is there for it (row-level security hides other groups' offsets). Rows for
the statements to touch are put in first by the owner and removed again afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from shared.db.roles import OWNER, SERVICE_ROLES

from chaos.check import Check
from chaos.infra import Database

ROLES = ("owner", *SERVICE_ROLES)
"""The owner, then ingest, scorer and report."""
ALL = frozenset(ROLES)
MARK = "zz-access-check"  # the rows put in for the attempts, and nothing else, carry it
INSUFFICIENT_PRIVILEGE = "42501"


@dataclass(frozen=True)
class Attempt:
    """A statement, in words and in SQL ("{prefix}": the pipeline's topic prefix), and who may run it."""

    label: str
    sql: str
    allowed: frozenset[str]


def _may(*services: str) -> frozenset[str]:
    return frozenset(("owner", *services))


_LEDGER_ROW = ("(agency_id, chain_pos, event_id, target_id, kind, observed_at, payload, content_digest, prev_hash, "
               "hash, recorded_at, leaf_index) VALUES ('{agency}', {pos}, 'access-{pos}', 't', 'measurement', '2025-01-01', "
               "'{{}}', 'd', 'p', 'h', now(), -{pos})")
_DEAD_LETTER = ("(reason_code, message, original, source_topic, source_partition, source_offset, rejected_at) "
                "VALUES ('bad_json', 'access check', '\\x00', '{mark}', 0, {offset}, now())")
_KEY_EVENT = ("(action, key_id, agency_id, public_key, effective_at, recorded_at, actor, prev_hash, hash) "
              f"VALUES ('revoke', '{MARK}', '{MARK}', NULL, now(), now(), 'access check', '{MARK}', 'h')")

ATTEMPTS = (
    Attempt("SELECT ledger_entries", "SELECT count(*) FROM ledger_entries", ALL),
    Attempt("INSERT ledger_entries", "INSERT INTO ledger_entries " + _LEDGER_ROW.format(agency=MARK, pos=2), _may("ingest")),
    Attempt("UPDATE ledger_entries", f"UPDATE ledger_entries SET payload = '{{}}' WHERE agency_id = '{MARK}'", _may()),
    Attempt("DELETE ledger_entries", f"DELETE FROM ledger_entries WHERE agency_id = '{MARK}'", _may()),
    Attempt("TRUNCATE ledger_entries", "TRUNCATE ledger_entries", _may()),
    Attempt("DROP ledger_entries", "DROP TABLE ledger_entries", _may()),
    Attempt("ALTER ledger_entries", "ALTER TABLE ledger_entries DROP CONSTRAINT uq_ledger_chain_pos", _may()),
    Attempt("SELECT key_events", "SELECT count(*) FROM key_events", _may("ingest")),
    Attempt("INSERT merkle_nodes", "INSERT INTO merkle_nodes VALUES (99, 2, '\\x00')", _may("ingest")),
    Attempt("UPDATE merkle_nodes (rewrite the tree)", "UPDATE merkle_nodes SET hash = '\\x01' WHERE level = 99", _may()),
    Attempt("DELETE merkle_nodes", "DELETE FROM merkle_nodes WHERE level = 99", _may()),
    Attempt("SELECT merkle_nodes", "SELECT count(*) FROM merkle_nodes", _may("ingest", "report")),
    Attempt("UPDATE merkle_tree (number leaves)", "UPDATE merkle_tree SET size = size WHERE id = 1", _may("ingest")),
    Attempt("INSERT tree_heads", f"INSERT INTO tree_heads VALUES (-2, '\\x00', now(), '{MARK}', 'k', '\\x00')",
            _may("ingest")),
    Attempt("DELETE tree_heads", f"DELETE FROM tree_heads WHERE origin = '{MARK}'", _may()),
    Attempt("INSERT key_events (register a key)", "INSERT INTO key_events " + _KEY_EVENT.replace(MARK, MARK + "-2"),
            _may()),
    Attempt("UPDATE key_events (un-revoke)", f"UPDATE key_events SET action = 'register' WHERE key_id = '{MARK}'", _may()),
    Attempt("DELETE key_events", f"DELETE FROM key_events WHERE key_id = '{MARK}'", _may()),
    Attempt("SELECT dead_letters", "SELECT count(*) FROM dead_letters", ALL),
    Attempt("INSERT dead_letters", "INSERT INTO dead_letters " + _DEAD_LETTER.format(mark=MARK, offset=2),
            _may("ingest")),
    Attempt("UPDATE dead_letters (requeue)", f"UPDATE dead_letters SET requeued_at = now() WHERE source_topic = '{MARK}'",
            _may()),
    Attempt("DELETE dead_letters", f"DELETE FROM dead_letters WHERE source_topic = '{MARK}'", _may()),
    Attempt("INSERT outbox", f"INSERT INTO outbox (topic, value) VALUES ('{MARK}', '\\x00')", _may("ingest")),
    Attempt("DELETE outbox (published)", f"DELETE FROM outbox WHERE topic = '{MARK}'", _may("ingest")),
    Attempt("INSERT unpublished_leaves", "INSERT INTO unpublished_leaves VALUES (-7, -6)", _may("ingest")),
    Attempt("DELETE unpublished_leaves (published)", "DELETE FROM unpublished_leaves WHERE first_leaf = -5",
            _may("ingest")),
    Attempt("move ingest's offsets",
            f"UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = '{{prefix}}.ingest' "
            f"AND topic = '{MARK}'", _may("ingest")),
    Attempt("move scorer's offsets",
            f"UPDATE consumer_offsets SET next_offset = next_offset + 1 WHERE group_id = '{{prefix}}.scorer' "
            f"AND topic = '{MARK}'", _may("scorer")),
    Attempt("add offsets of ingest's group",
            f"INSERT INTO consumer_offsets VALUES ('{{prefix}}.ingest', '{MARK}', 1, 0)", _may("ingest")),
    Attempt("add offsets of scorer's group",
            f"INSERT INTO consumer_offsets VALUES ('{{prefix}}.scorer', '{MARK}', 1, 0)", _may("scorer")),
    Attempt("DELETE consumer_offsets", f"DELETE FROM consumer_offsets WHERE topic = '{MARK}'", _may()),
    Attempt("UPDATE scorer_state", "UPDATE scorer_state SET version = version + 1", _may("scorer")),
    Attempt("INSERT scorer_observations",
            "INSERT INTO scorer_observations (seq, agency_id, chain_pos, event_id, target_id, kind, observed_at, "
            f"version) VALUES (-2, '{MARK}', 1, 'e', 't', 'measurement', '2025-01-01', 0)", _may("scorer")),
    Attempt("DELETE agency_scores", f"DELETE FROM agency_scores WHERE agency_id = '{MARK}'", _may("scorer")),
    Attempt("INSERT snapshot_cells", "INSERT INTO snapshot_cells (agency_id, target_id, status, rolled_up, evaluated_on) "
            f"VALUES ('{MARK}', 't', 'met', false, '1999-01-31')", _may("scorer")),
    Attempt("SELECT snapshot_cells", "SELECT count(*) FROM snapshot_cells", _may("scorer", "report")),
    Attempt("UPDATE snapshot_days (call a stale day current)",
            "UPDATE snapshot_days SET version = 0 WHERE day = '1999-01-31'", _may("scorer")),
    Attempt("SELECT scorer_state (the scorer's position)", "SELECT applied, highest_seq FROM scorer_state",
            _may("scorer", "report")),
    Attempt("UPDATE alerts (published)", f"UPDATE alerts SET published_at = now() WHERE agency_id = '{MARK}'",
            _may("scorer")),
    Attempt("DELETE alerts", f"DELETE FROM alerts WHERE agency_id = '{MARK}'", _may()),
    Attempt("INSERT reports",
            "INSERT INTO reports (period, lang, cutoff_at, cutoff_seq, cutoff_dead_letter_id, claimed_at) "
            f"VALUES ('{MARK}', 'en', now(), 0, 0, now())", _may("report")),
    Attempt("UPDATE reports (built)", "UPDATE reports SET built_at = now(), files = '{}', tree = '{}' "
            f"WHERE period = '{MARK}'", _may("report")),
    Attempt("DELETE reports", f"DELETE FROM reports WHERE period = '{MARK}'", _may()),
    Attempt("SELECT alembic_version", "SELECT version_num FROM alembic_version", ALL),
    Attempt("UPDATE alembic_version", "UPDATE alembic_version SET version_num = version_num", _may()),
    Attempt("CREATE TABLE", "CREATE TABLE access_probe (x integer)", _may()),
)

# What the attempts touch, put in by the owner (and removed by _remove_rows).
_ROWS = (
    "INSERT INTO ledger_entries " + _LEDGER_ROW.format(agency=MARK, pos=1),
    "INSERT INTO dead_letters " + _DEAD_LETTER.format(mark=MARK, offset=1),
    f"INSERT INTO outbox (topic, value) VALUES ('{MARK}', '\\x00')",
    f"INSERT INTO consumer_offsets VALUES ('{{prefix}}.ingest', '{MARK}', 0, 0), ('{{prefix}}.scorer', '{MARK}', 0, 0)",
    "INSERT INTO agency_scores (agency_id, kind, score, rank, peers, targets, evaluated_on) "
    f"VALUES ('{MARK}', 'province', 0, 1, 1, 0, '2025-01-01')",
    "INSERT INTO alerts (alert_id, agency_id, target_id, threshold, deadline, evaluated_on, status, created_at) "
    f"VALUES ('{MARK}', '{MARK}', 't', '30d', '2025-12-31', '2025-01-01', 'at_risk', now())",
    "INSERT INTO reports (period, lang, cutoff_at, cutoff_seq, cutoff_dead_letter_id, claimed_at) "
    f"VALUES ('{MARK}', 'vi', now(), 0, 0, now())",
    "INSERT INTO scorer_state (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT FROM scorer_state)",
    "INSERT INTO key_events " + _KEY_EVENT,
    "INSERT INTO merkle_nodes VALUES (99, 1, '\\x00')",
    f"INSERT INTO tree_heads VALUES (-1, '\\x00', now(), '{MARK}', 'k', '\\x00')",
    "INSERT INTO unpublished_leaves VALUES (-5, -4)",
    "INSERT INTO snapshot_days VALUES ('1999-01-31', NULL)",
)
_REMOVE = (
    f"DELETE FROM ledger_entries WHERE agency_id = '{MARK}'",
    f"DELETE FROM dead_letters WHERE source_topic = '{MARK}'",
    f"DELETE FROM outbox WHERE topic = '{MARK}'",
    f"DELETE FROM consumer_offsets WHERE topic = '{MARK}'",
    f"DELETE FROM agency_scores WHERE agency_id = '{MARK}'",
    f"DELETE FROM alerts WHERE agency_id = '{MARK}'",
    f"DELETE FROM reports WHERE period = '{MARK}'",
    f"DELETE FROM key_events WHERE key_id = '{MARK}'",
    "DELETE FROM merkle_nodes WHERE level = 99",
    f"DELETE FROM tree_heads WHERE origin = '{MARK}'",
    "DELETE FROM unpublished_leaves WHERE first_leaf = -5",
    "DELETE FROM snapshot_days WHERE day = '1999-01-31'",
)


def role_name(role: str) -> str:
    """The PostgreSQL role of ``role`` (owner, ingest, scorer, report)."""
    return OWNER if role == "owner" else SERVICE_ROLES[role]


def _outcome(conn, sql: str) -> str:
    try:
        result = conn.execute(text(sql))
    except DBAPIError as exc:
        code = getattr(exc.orig, "sqlstate", None)
        kind = type(exc.orig).__name__
        return f"refused ({kind})" if code == INSUFFICIENT_PRIVILEGE else f"failed ({kind}: {exc.orig})"
    if sql.lstrip().split()[0] in ("UPDATE", "DELETE") and result.rowcount == 0:
        return "refused (no row it may see)"
    return "allowed"


def _owner_runs(db: Database, prefix: str, statements) -> None:
    engine = create_engine(db.owner_url)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql.replace("{prefix}", prefix)))
    finally:
        engine.dispose()


def check_roles(db: Database, prefix: str, roles=ROLES) -> list[Check]:
    """Every attempt by each of ``roles`` on a migrated PostgreSQL database whose
    pipeline's topic prefix (and so consumer groups) is ``prefix``; nothing is kept."""
    _owner_runs(db, prefix, _ROWS)
    checks = []
    try:
        for role in roles:
            engine = create_engine(db.owner_url if role == "owner" else db.url(role))
            try:
                for attempt in ATTEMPTS:
                    with engine.connect() as conn:
                        observed = _outcome(conn, attempt.sql.replace("{prefix}", prefix))
                        conn.rollback()
                    expected = "allowed" if role in attempt.allowed else "refused"
                    checks.append(Check(f"{role_name(role)} {attempt.label}", attempt.sql.replace("{prefix}", "<prefix>"),
                                        expected, observed, observed.split()[0] == expected))
            finally:
                engine.dispose()
    finally:
        _owner_runs(db, prefix, _REMOVE)
    return checks
