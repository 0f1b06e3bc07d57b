"""The `tiendo report` commands through click's CliRunner, on a SQLite ledger."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from shared.keyfiles import REPORTS_KEY_NAME, OperatorKey, public_path

from services.cli import main
from tests.unit.report.conftest import CUTOFF, RECORDED, write_dataset
from tests.unit.report.ledger import LedgerFile


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    # Its heads signed by the key `report verify` finds in the data directory by default.
    ledger = LedgerFile(root / "ledger.db", key_path=root / "data" / "keys" / "ledger.key.pem")
    write_dataset(ledger)
    ledger.engine.dispose()
    return {"DATABASE_URL": f"sqlite:///{root / 'ledger.db'}", "TIENDO_DATA_DIR": str(root / "data")}


def tiendo(env, *args):
    return CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)


def test_build_writes_a_markdown_summary_and_a_rebuild_is_identical(env):
    args = ("report", "build", "--period", "2025-06", "--format", "md", "--cut-off", CUTOFF.isoformat(), "--json")
    first = tiendo(env, *args)
    assert first.exit_code == 0, first.output
    built = json.loads(first.stdout)
    assert (built["period"], built["lang"], built["as_of"]) == ("2025-06", "vi", "2025-06-30")
    path = built["files"]["md"]["path"]
    assert path.endswith("data/reports/tiendo-2025-06-vi.md")
    text = open(path, encoding="utf-8").read()
    assert text.startswith("| **BAN CHỈ ĐẠO CỦA CHÍNH PHỦ VỀ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO,")
    assert "\n# BÁO CÁO\n" in text and "tháng 6/2025" in text
    again = json.loads(tiendo(env, *args).stdout)
    assert again["files"]["md"]["sha256"] == built["files"]["md"]["sha256"]

    checked = tiendo(env, "report", "verify", path)
    assert checked.exit_code == 0 and "matches the ledger" in checked.output


def test_without_a_cut_off_two_builds_are_identical_while_nothing_new_is_recorded(env):
    args = ("report", "build", "--period", "2025-05", "--format", "md", "--json")
    first, second = json.loads(tiendo(env, *args).stdout), json.loads(tiendo(env, *args).stdout)
    assert first["cutoff"]["at"] == RECORDED.isoformat()
    assert first["files"]["md"]["sha256"] == second["files"]["md"]["sha256"]


def test_verify_exits_with_1_and_names_the_difference(env, tmp_path):
    built = json.loads(tiendo(env, "report", "build", "--period", "2025-Q1", "--format", "md", "--cut-off",
                              CUTOFF.isoformat(), "--json").stdout)
    edited = tmp_path / "edited.md"
    text = open(built["files"]["md"]["path"], encoding="utf-8").read()
    edited.write_text(text.replace("Quý I/2025", "Quý II/2025", 1), encoding="utf-8")
    result = tiendo(env, "report", "verify", str(edited))
    assert result.exit_code == 1
    assert "DOES NOT MATCH" in result.output and "Quý II/2025" in result.output


@pytest.mark.parametrize("args, message", [
    (("--period", "2025-13"), "write a month 2025-06, a quarter 2025-Q2 or a year 2025"),
    (("--period", "2099-Q1"), "2099-Q1 has not ended yet"),
    (("--period", "2025-Q1", "--cut-off", "2099-01-01"), "is in the future"),
    (("--period", "2025-Q1", "--cut-off", "soon"), "neither a day YYYY-MM-DD nor a timestamp"),
    (("--period", "2025-Q1", "--format", "md,docx"), "docx: choose among md, html, pdf"),
])
def test_build_refuses_bad_options_in_one_line(env, args, message):
    result = tiendo(env, "report", "build", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_verify_refuses_a_file_that_is_no_report(env, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n", encoding="utf-8")
    result = tiendo(env, "report", "verify", str(notes))
    assert result.exit_code == 1 and "Error: " in result.output and "no Tiến độ figures block" in result.output


def test_an_ed25519_reports_key_is_refused_in_one_line_saying_what_to_do(env, tmp_path):
    old = tmp_path / "reports.key.pem"
    OperatorKey.create(old, REPORTS_KEY_NAME)  # a reports key from before reports were signed with P-256
    with_old = {**env, "TIENDO_REPORTS_KEY": str(old)}
    for args in (("report", "build", "--period", "2025-06", "--format", "md", "--cut-off", CUTOFF.isoformat()),
                 ("report", "run", "--once", "--since", "2025-06", "--today", "2025-07-01")):
        result = tiendo(with_old, *args)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"Error: {old} holds a private key of type Ed25519, not ECDSA P-256"), \
            result.output
        assert "Move" in result.output and "Traceback" not in result.output
    built = json.loads(tiendo(env, "report", "build", "--period", "2025-06", "--format", "md", "--cut-off",
                              CUTOFF.isoformat(), "--json").stdout)
    result = tiendo(env, "report", "verify", built["files"]["md"]["path"], "--reports-key", str(public_path(old)))
    assert result.exit_code == 1
    assert f"{public_path(old)} holds a public key of type Ed25519, not ECDSA P-256" in result.output
    assert "(give the key file with --reports-key)" in result.output


def test_list_says_when_no_report_was_scheduled(env):
    result = tiendo(env, "report", "list")
    assert result.exit_code == 0 and "no scheduled report yet" in result.output


def test_every_report_command_has_help_with_an_example(env):
    for command in ("build", "run", "verify", "list"):
        result = tiendo(env, "report", command, "--help")
        assert result.exit_code == 0 and "Example" in result.output and "tiendo report" in result.output
