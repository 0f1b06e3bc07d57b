"""A command leaves no database connection behind when it returns."""

from click.testing import CliRunner

from services.cli import main
from shared import runtime


def test_a_command_run_in_process_closes_its_connections(tmp_path, monkeypatch):
    # Regression: run in-process (CliRunner: tests, the chaos harness), every command left
    # its connection pool open; on PostgreSQL another role's open sessions then stopped
    # the owner from dropping the database.
    engines = []
    real = runtime.make_engine
    monkeypatch.setattr(runtime, "make_engine", lambda url: engines.append(real(url)) or engines[-1])

    result = CliRunner().invoke(main, ["ledger", "verify"], env={"DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"})

    assert result.exit_code == 0, result.output
    assert len(engines) == 1 and engines[0].pool.checkedin() == 0
