"""A command leaves no database connection behind when it returns."""

from click.testing import CliRunner

from services.cli import main
from shared import runtime
from shared.db import engine as db_engine


def test_a_command_run_in_process_closes_its_connections(tmp_path, monkeypatch):
    # Regression: run in-process (CliRunner: tests, the chaos harness), every command left
    # its connection pool open; on PostgreSQL another role's open sessions then stopped
    # the owner from dropping the database. Both ways of opening are watched: a command
    # that writes (Runtime.engine) and one that only reads (Runtime.existing_engine).
    engines = []
    real = db_engine.make_engine

    def watched(url):
        engines.append(real(url))
        return engines[-1]

    monkeypatch.setattr(runtime, "make_engine", watched)
    monkeypatch.setattr(db_engine, "make_engine", watched)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}", "TIENDO_DATA_DIR": str(tmp_path)}

    for args in (["web", "subscription", "add", "--email", "a@chinhphu.vn", "--role", "auditor"], ["ledger", "verify"]):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
    assert engines and all(e.pool.checkedin() == 0 and e.pool.checkedout() == 0 for e in engines)
