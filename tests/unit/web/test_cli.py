"""`tiendo web user add` reads the password from stdin and stores only its argon2id hash;
`tiendo web user list` shows users, never a hash."""

from __future__ import annotations

import json

from argon2 import PasswordHasher
from click.testing import CliRunner

from services.cli import main
from services.web import cli as web_cli
from services.web.auth import hash_password
from shared.db.engine import make_engine
from shared.db.schema import metadata
from shared.db.web_users import WebUserStore

from tests.unit.web.conftest import FAST, stamp_current


def _database(tmp_path) -> str:
    """A current schema without running every migration (the unit layer stays fast)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    stamp_current(engine)
    engine.dispose()
    return url


def test_user_add_from_stdin_and_list(tmp_path, monkeypatch):
    # Cheap argon2id parameters: the test checks the flow, not the cost.
    monkeypatch.setattr(web_cli, "hash_password", lambda password: hash_password(password, FAST))
    url = _database(tmp_path)
    env = {"DATABASE_URL": url, "TIENDO_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    added = runner.invoke(main, ["web", "user", "add", "ubnd-hanoi", "--role", "agency", "--agency", "ha-noi"],
                          input="một mật khẩu dài\n", env=env)
    assert added.exit_code == 0, added.output
    assert "added ubnd-hanoi (agency, ha-noi)" in added.output

    engine = make_engine(url)
    user = WebUserStore(engine).user("ubnd-hanoi")
    engine.dispose()
    assert user.password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(user.password_hash, "một mật khẩu dài")

    again = runner.invoke(main, ["web", "user", "add", "ubnd-hanoi", "--role", "agency", "--agency", "ha-noi"],
                          input="một mật khẩu dài\n", env=env)
    assert again.exit_code == 1 and "exists already" in again.output
    short = runner.invoke(main, ["web", "user", "add", "lan", "--role", "leadership"], input="ngắn\n", env=env)
    assert short.exit_code == 1 and "at least 12 characters" in short.output

    listed = runner.invoke(main, ["web", "user", "list", "--json"], env=env)
    assert [(u["name"], u["role"], u["agency_id"]) for u in json.loads(listed.output)["users"]] == [
        ("ubnd-hanoi", "agency", "ha-noi")]
    assert "argon2" not in listed.output


def test_an_agency_user_needs_a_known_agency_and_only_it_one(tmp_path):
    env = {"DATABASE_URL": _database(tmp_path), "TIENDO_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    missing = runner.invoke(main, ["web", "user", "add", "x", "--role", "agency"], input="", env=env)
    assert missing.exit_code == 2 and "--agency is required" in missing.output
    extra = runner.invoke(main, ["web", "user", "add", "x", "--role", "auditor", "--agency", "ha-noi"], env=env)
    assert extra.exit_code == 2
    unknown = runner.invoke(main, ["web", "user", "add", "x", "--role", "agency", "--agency", "atlantis"], env=env)
    assert unknown.exit_code == 2 and "unknown agency 'atlantis'" in unknown.output
