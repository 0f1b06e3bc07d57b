"""A user's mistake at `tiendo`'s edge is one line, never a traceback: settings that cannot
be used, a database that is not there (read-only commands never create one), a server
that cannot be reached, a key file that is not one, a terminal that cannot show
Vietnamese. Commands run in-process (CliRunner) with the environment each case needs."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.terminal import PLAIN_ASCII, WITHOUT_MARKS, fit_streams
from shared.config import PROJECT_ROOT
from shared.keyfiles import LEDGER_KEY_NAME, REPORTS_KEY_NAME, OperatorKey, ReportsKey


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment of this test's own: its data directory, no broker credentials."""
    return {"TIENDO_DATA_DIR": str(tmp_path / "data"), "TIENDO_KAFKA_CREDENTIALS": "",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'tiendo.db'}"}


def run(env: dict[str, str], *args: str):
    return CliRunner().invoke(main, list(args), env=env)


def assert_one_line(result, *fragments: str) -> str:
    """The command failed with exactly one line, an error that says each fragment."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    if lines[0].startswith("{"):  # JSON, when the command line asked for it (docs/cli.md)
        line = json.loads(lines[0])["error"]
    else:
        assert lines[0].startswith("Error: "), lines[0]
        line = lines[0].removeprefix("Error: ")
    for fragment in fragments:
        assert fragment in line, line
    return line


@pytest.mark.parametrize(("url", "says"), [
    ("nonsense", "DATABASE_URL: not a database URL: 'nonsense'"),
    ("mysql://tiendo@127.0.0.1/tiendo", "DATABASE_URL: mysql is not supported"),
    ("postgresql+psycopg2://tiendo@127.0.0.1/tiendo", "the psycopg2 driver is not installed"),
])
def test_a_database_url_that_cannot_be_used_is_one_line(env, url, says):
    assert_one_line(run({**env, "DATABASE_URL": url}, "status"), says)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("TIENDO_PARTITIONS", "six", "TIENDO_PARTITIONS: input should be a valid integer"),
    ("TIENDO_KAFKA_TIMEOUT_MS", "0", "TIENDO_KAFKA_TIMEOUT_MS: input should be greater than 0"),
    ("TIENDO_TOPIC_PREFIX", "a b", "TIENDO_TOPIC_PREFIX"),
    ("TIENDO_SMTP_STARTTLS", "maybe", "TIENDO_SMTP_STARTTLS: say true or false"),
    ("TIENDO_KAFKA_CREDENTIALS", "/nowhere/admin.env", "TIENDO_KAFKA_CREDENTIALS=/nowhere/admin.env: cannot read it"),
])
def test_a_bad_setting_is_one_line_naming_its_variable(env, variable, value, says):
    assert_one_line(run({**env, variable: value}, "score", "national"), says)


def test_help_works_whatever_the_settings_say(env):
    # Settings are read when a command first needs one, not to print help.
    for args in (["--help"], ["score", "--help"], ["status", "--help"]):
        result = run({**env, "DATABASE_URL": "nonsense"}, *args)
        assert result.exit_code == 0 and "Usage:" in result.output


@pytest.fixture
def keys(env):
    """The operator's key files, so that `report verify` gets as far as the database."""
    keys = Path(env["TIENDO_DATA_DIR"]) / "keys"
    OperatorKey.create(keys / "ledger.key.pem", LEDGER_KEY_NAME)
    ReportsKey.create(keys / "reports.key.pem", REPORTS_KEY_NAME)
    return keys


READ_ONLY = [
    ["status"], ["status", "--json"], ["score", "national"], ["score", "show"], ["score", "ranking"],
    ["alerts", "list"], ["ledger", "verify"], ["ledger", "head"], ["ledger", "prove", "ha-noi", "e1"],
    ["ledger", "consistency", "1", "2"], ["dlq", "list"], ["agency", "key", "list"], ["report", "list"],
    ["report", "amendments", "--period", "2025"], ["web", "user", "list"], ["web", "subscription", "list"],
    ["web", "delivery", "list"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_read_only_command_never_creates_a_database(env, tmp_path, args):
    typo = tmp_path / "dta" / "tiendo.db"  # a mistyped directory: neither it nor the file may appear
    result = run({**env, "DATABASE_URL": f"sqlite:///{typo}"}, *args)
    assert_one_line(result, f"no database at {typo}", "tiendo ingest run", "DATABASE_URL")
    assert not typo.parent.exists()


def test_report_verify_never_creates_a_database(env, keys, tmp_path):
    report = tmp_path / "tiendo-2025-Q2-vi.md"
    report.write_text("# not checked: the database is missing\n", encoding="utf-8")
    typo = tmp_path / "tiendo.dbb"
    assert_one_line(run({**env, "DATABASE_URL": f"sqlite:///{typo}"}, "report", "verify", str(report)),
                    f"no database at {typo}")
    assert not typo.exists()


def test_a_file_that_is_not_a_database_or_holds_no_schema_is_said_so(env, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("meeting notes, not a database\n" * 100, encoding="utf-8")
    assert_one_line(run({**env, "DATABASE_URL": f"sqlite:///{notes}"}, "status"), "is not a SQLite database")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    assert_one_line(run({**env, "DATABASE_URL": f"sqlite:///{other}"}, "score", "national"),
                    f"{other} holds no Tiến độ database")
    with sqlite3.connect(other) as conn:  # left as it was: no table of ours was added
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["t"]


def test_a_command_that_writes_still_creates_the_database(env):
    result = run(env, "web", "subscription", "add", "--email", "lanh.dao@chinhphu.vn", "--role", "leadership")
    assert result.exit_code == 0, result.output
    assert Path(env["TIENDO_DATA_DIR"], "tiendo.db").is_file()
    listed = run(env, "web", "subscription", "list")  # and a read-only command then opens it
    assert listed.exit_code == 0 and "lanh.dao@chinhphu.vn" in listed.output


def _closed_port() -> socket.socket:
    """A port on 127.0.0.1 that refuses connections (bound, not listening) while held."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def test_an_unreachable_postgresql_is_one_line(env):
    with _closed_port() as sock:
        url = f"postgresql://tiendo:secret@127.0.0.1:{sock.getsockname()[1]}/tiendo"
        line = assert_one_line(run({**env, "DATABASE_URL": url}, "status"), "database unavailable", "is PostgreSQL up?")
    assert "secret" not in line


def test_a_sqlite_directory_that_cannot_be_made_is_one_line(env, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run({**env, "DATABASE_URL": f"sqlite:///{blocker / 'tiendo.db'}"},
                 "web", "subscription", "add", "--email", "a@chinhphu.vn", "--role", "auditor")
    assert_one_line(result, str(blocker))


def test_a_key_file_that_is_not_one_is_one_line(env, tmp_path):
    bad = tmp_path / "ledger.key.pem"
    bad.write_text("not a key\n")
    assert_one_line(run({**env, "TIENDO_LEDGER_KEY": str(bad)}, "ledger", "key"),
                    f"{bad} is not a Tiến độ operator key file")
    assert_one_line(run(env, "ingest", "publish", "--key", str(bad), str(bad)), "is not a Tiến độ private key file")


# ---- terminals that cannot show Vietnamese --------------------------------------------------
def test_letters_lose_their_marks_where_the_encoding_lacks_them():
    assert "Tiến độ — Thành phố Đà Nẵng ← Tỉnh".encode(PLAIN_ASCII) == b"Tien do - Thanh pho Da Nang <- Tinh"
    # What latin-1 has (à) is kept; what it lacks loses its marks; what has no plain form is "?".
    assert "Cà Mau, Tỉnh, 東".encode("latin-1", WITHOUT_MARKS) == "Cà Mau, Tinh, ?".encode("latin-1")


def test_fit_streams_changes_only_the_streams_that_cannot_write_vietnamese():
    import io

    utf8, latin1, ascii_ = (io.TextIOWrapper(io.BytesIO(), encoding=e) for e in ("utf-8", "latin-1", "ascii"))
    fit_streams([utf8, latin1, ascii_])
    assert (utf8.encoding, utf8.errors) == ("utf-8", "strict")
    assert (latin1.encoding, latin1.errors) == ("latin-1", WITHOUT_MARKS)
    assert ascii_.encoding == PLAIN_ASCII  # not "ascii": click would write UTF-8 to that (services/terminal.py)


def test_a_latin1_terminal_gets_the_catalogue_without_a_traceback(env):
    result = CliRunner(charset="latin-1").invoke(main, ["catalogue", "agencies", "--on", "2025-07-01"], env=env)
    assert result.exit_code == 0, result.output
    assert "Tinh Cà Mau" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(("terminal", "shown"), [
    ({"PYTHONIOENCODING": "ascii"}, b"Tinh Ca Mau"),
    ({"PYTHONIOENCODING": "latin-1"}, "Tinh Cà Mau".encode("latin-1")),
    ({"LANG": "C", "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"}, b"Tinh Ca Mau"),
], ids=["PYTHONIOENCODING=ascii", "PYTHONIOENCODING=latin-1", "LC_ALL=C without UTF-8 coercion"])
def test_a_non_utf8_terminal_gets_vietnamese_text_and_errors_without_a_traceback(env, terminal, shown):
    # A real process: the streams are the interpreter's, as a terminal gives them.
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LC_ALL", "PYTHONUTF8")}
    listed = subprocess.run([sys.executable, "-m", "services", "catalogue", "agencies", "--on", "2025-07-01"],
                            cwd=PROJECT_ROOT, capture_output=True, env={**base, **env, **terminal}, timeout=120)
    assert listed.returncode == 0, listed.stderr.decode("utf-8", "replace")
    assert shown in listed.stdout and b"Traceback" not in listed.stderr
    refused = subprocess.run([sys.executable, "-m", "services", "score", "show", "--agency", "đà-nẵng"],
                             cwd=PROJECT_ROOT, capture_output=True, env={**base, **env, **terminal}, timeout=120)
    assert refused.returncode == 2 and b"unknown agency" in refused.stderr and b"Traceback" not in refused.stderr
    if "latin-1" not in terminal.values():
        assert listed.stdout.isascii() and refused.stderr.isascii()


@pytest.mark.parametrize("args", [["catalogue", "agencies", "--on", "2025-07-01"],
                                  ["catalogue", "agencies", "--on", "2025-07-01", "--json"]], ids=["text", "json"])
def test_a_reader_that_leaves_early_gets_no_error_message(env, args):
    # `tiendo … | head`: the pipe's reading end is closed before the command writes a byte,
    # so its first write fails with EPIPE, as when the reader has gone.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "services", *args], cwd=PROJECT_ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, env={**os.environ, **env}, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == b"" and done.returncode == 1, done.stderr.decode("utf-8", "replace")
