"""`make chaos`, smaller (issue 9): the same scenarios (chaos/run.py) with fewer events
and faults, against the real broker, SQLite and PostgreSQL. Nothing lost, nothing
duplicated, projections equal to a rebuild, workers that recover on their own; ledger
and report tampering caught. The full run writes docs/reliability.md."""

from __future__ import annotations

import re

import pytest

from shared.db.schema import ledger_entries

from chaos import tamper, tree_tamper
from chaos.run import main
from chaos.scenarios import bad_input_run
from chaos.stream import simulated
from tests.integration.chaos_support import chaos_pipeline

SUMMARY = re.compile(r"^chaos: faults=(\d+) sent=(\d+) lost=(\d+) duplicated=(\d+) bad_inputs=(\d+) "
                     r"bad_accepted=(\d+)$")
SMALL = ["--events", "4000", "--kills", "3", "--outage-events", "4000", "--rate", "250"]


@pytest.fixture(autouse=True)
def _as_the_test_principal(monkeypatch, kafka_credentials):
    """chaos.run takes its broker principal from the environment, as `make chaos` gives it."""
    monkeypatch.delenv("TIENDO_KAFKA_CREDENTIALS", raising=False)
    for name, value in kafka_credentials.as_env().items():
        monkeypatch.setenv(name, value)


def _run(capsys, tmp_path, pg_admin_url, kafka_bootstrap, *args: str) -> tuple[str, dict[str, int]]:
    report = tmp_path / "reliability.md"
    code = main([*SMALL, *args, "--pg-url", pg_admin_url, "--bootstrap", kafka_bootstrap, "--out", str(report)])
    out = capsys.readouterr().out
    assert code == 0, out
    last = out.strip().splitlines()[-1]
    match = SUMMARY.match(last)
    assert match, last
    assert report.read_text("utf-8").strip().splitlines()[-1] == last
    return out, dict(zip(("faults", "sent", "lost", "duplicated", "bad_inputs", "bad_accepted"),
                         map(int, match.groups())))


def test_workers_killed_at_random_moments_lose_and_duplicate_nothing(capsys, tmp_path, pg_admin_url,
                                                                     kafka_bootstrap):
    out, n = _run(capsys, tmp_path, pg_admin_url, kafka_bootstrap, "--scenarios", "crash",
                  "--databases", "sqlite,postgresql")
    assert n["faults"] == 2 * 2 * 3, "three SIGKILLs of each worker on each database"
    assert (n["sent"], n["lost"], n["duplicated"], n["bad_accepted"]) == (8_000, 0, 0, 0)
    assert n["bad_inputs"] > 2 * 32, "the simulator's bad events ride along"
    assert out.count("crash [") == 2 and "FAILED" not in out


def test_the_broker_stopped_mid_stream_is_ridden_out(capsys, tmp_path, pg_admin_url, kafka_bootstrap):
    out, n = _run(capsys, tmp_path, pg_admin_url, kafka_bootstrap, "--scenarios", "broker", "--databases", "sqlite")
    assert (n["faults"], n["lost"], n["duplicated"]) == (1, 0, 0)
    assert "recovered in" in out


def test_postgresql_restarted_mid_stream_is_ridden_out(capsys, tmp_path, pg_admin_url, kafka_bootstrap):
    out, n = _run(capsys, tmp_path, pg_admin_url, kafka_bootstrap, "--scenarios", "postgres",
                  "--databases", "postgresql")
    assert (n["faults"], n["lost"], n["duplicated"]) == (1, 0, 0)
    assert "recovered in" in out


@pytest.fixture
def ledger(database_url, kafka_bootstrap, kafka_credentials, tmp_path):
    """A pipeline whose ledger holds a few thousand simulated events."""
    p = chaos_pipeline(database_url, kafka_bootstrap, tmp_path, credentials=kafka_credentials)
    result = bad_input_run("ledger", p, simulated(p.engine, 2000), tmp_path / "logs", replay_clock=True)
    assert result.ok, result.verdict.problems
    yield p
    p.dispose()


LEDGER_COLUMNS = {"target_id", "kind", "observed_at", "amends", "content_digest", "recorded_at", "payload", "event_id",
                  "agency_id", "chain_pos", "prev_hash", "hash", "leaf_index"}


def test_ledger_and_report_tampering_is_caught(ledger, tmp_path):
    """Issue 13's acceptance, on SQLite and PostgreSQL: changing any stored column of a
    ledger row, changing a payload and recomputing every chain hash, or appending a
    forged entry with a computed hash makes `ledger verify` fail naming that entry; the
    untouched copy verifies."""
    checks = tamper.ledger_checks(ledger, tmp_path) + tamper.report_checks(ledger, tmp_path)
    assert [c.name for c in checks if not c.passed] == [], [c.observed for c in checks if not c.passed]
    assert LEDGER_COLUMNS == {c.name for c in ledger_entries.columns} - {"seq"}, "a new column needs its tampering"
    names = {c.name for c in checks}
    assert names >= {f"column {column}" for column in LEDGER_COLUMNS}
    assert names >= {"untouched", "edit", "edit + rehash", "delete", "reorder", "insert", "insert + hash",
                     "rewrite + rehash chain", "append forged head", "report edited (html)", "report edited (md)",
                     "report after rewrite + rehash chain", "report as built (pdf)", "report charts swapped (html)",
                     "report charts swapped (md)", "report annotated (pdf)"}
    by_name = {c.name: c for c in checks}
    for forged in ("rewrite + rehash chain", "append forged head", "insert + hash", "edit + rehash"):
        assert "signature" in by_name[forged].observed, by_name[forged].observed


def test_what_only_the_merkle_tree_sees_is_caught_against_a_kept_head(ledger, tmp_path):
    """Issue 14's acceptance, on SQLite and PostgreSQL: against a head kept beforehand, a
    chain's last entry deleted, a truncation and a rewrite signed again with the agency's
    own key (each with the stored tree made to agree, or not) are named by `ledger verify
    --against`; a kept head altered or signed by another key is refused."""
    checks = tree_tamper.tree_checks(ledger, tmp_path, seed=2025)  # simulated()'s default seed
    assert [c.name for c in checks if not c.passed] == [], [c.observed for c in checks if not c.passed]
    assert {c.name for c in checks} == {name for name, _, _ in tree_tamper.TREE_TAMPERING} | {
        "kept head: signature altered", "kept head: another ledger key"}
