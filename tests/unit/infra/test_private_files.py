"""Files that hold the ledger or secrets are created readable by their owner only
(issue 13): the SQLite database (with its -wal and -shm files) and the PostgreSQL
passwords file that `make up` writes."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db.engine import make_engine, migrate
from shared.db.roles import ROLES, PasswordsMissing, passwords_file, read_passwords, role_url

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def lax_umask():
    """The usual umask (022), under which files would be created 0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_ledger_and_its_wal_are_created_0600(tmp_path, lax_umask):
    db = tmp_path / "data" / "tiendo.db"
    url = f"sqlite:///{db}"
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (topic, value) VALUES ('t', x'00')"))
        files = sorted(p.name for p in db.parent.iterdir())
        modes = {p.name: _mode(p) for p in db.parent.iterdir()}
    engine.dispose()
    assert files == ["tiendo.db", "tiendo.db-shm", "tiendo.db-wal"]
    assert modes == {name: 0o600 for name in files}
    assert _mode(db.parent) == 0o700


def test_an_existing_sqlite_file_readable_by_others_is_narrowed(tmp_path, lax_umask):
    db = tmp_path / "old.db"
    db.touch(mode=0o644)
    assert _mode(db) == 0o644
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600


def _generate(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TIENDO_PG_PASSWORDS": str(path)}
    return subprocess.run([ROOT / "infra" / "pg-passwords.sh"], env=env, capture_output=True, text=True, check=True)


def test_the_passwords_file_is_0600_with_a_distinct_password_per_role_kept_across_runs(tmp_path, lax_umask):
    path = tmp_path / "state" / "pg-passwords.env"
    assert _generate(path).stdout.strip() == str(path)
    assert _mode(path) == 0o600
    first = read_passwords(path)
    assert set(first) == set(ROLES)
    assert len(set(first.values())) == len(ROLES) and all(len(p) == 48 for p in first.values())
    path.chmod(0o644)  # a file copied in, or from an older version, is narrowed again
    _generate(path)
    assert read_passwords(path) == first
    assert _mode(path) == 0o600
    assert role_url("tiendo_scorer", "db:5432", "x", first) == f"postgresql+psycopg://tiendo_scorer:{first['tiendo_scorer']}@db:5432/x"


def test_a_passwords_file_missing_a_role_gets_it_and_keeps_the_others(tmp_path):
    path = tmp_path / "pg-passwords.env"
    path.write_text("TIENDO_PG_OWNER_PASSWORD=kept\n")
    with pytest.raises(PasswordsMissing, match="tiendo_ingest"):
        read_passwords(path)
    _generate(path)
    assert read_passwords(path)["tiendo"] == "kept"


def test_the_passwords_file_lives_in_the_data_dir_unless_told_otherwise(tmp_path):
    assert passwords_file({"TIENDO_DATA_DIR": str(tmp_path)}) == tmp_path / "pg-passwords.env"
    assert passwords_file({"TIENDO_DATA_DIR": str(tmp_path), "TIENDO_PG_PASSWORDS": "/x/p.env"}) == Path("/x/p.env")
    with pytest.raises(PasswordsMissing, match="make up"):
        read_passwords(tmp_path / "absent.env")
