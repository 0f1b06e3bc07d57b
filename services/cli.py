"""`tiendo`: the one command operators use. It composes each service's click group, and
is the edge where a user's mistake (a setting that cannot be used, a database that is not
there, a server that cannot be reached) becomes one line rather than a traceback."""

from __future__ import annotations

import importlib
import logging

import click

from shared.config import ConfigError
from shared.db import DatabaseUnavailable
from shared.db.engine import NoDatabase
from shared.kafka import BrokerUnavailable, NotAuthorized
from shared.presentation.cli import JSON_REQUESTED, json_errors, wants_json
from shared.runtime import Runtime

from services.terminal import fit_streams

# Each command's group, imported only when the command runs: the report's renderers
# (matplotlib, WeasyPrint) take seconds and tens of megabytes that a worker never uses.
COMMANDS = {
    "ingest": "services.ingest.cli:ingest",
    "ledger": "services.ingest.ledger_cli:ledger",
    "dlq": "services.ingest.cli:dlq",
    "agency": "services.ingest.cli:agency",
    "catalogue": "services.catalogue.cli:catalogue",
    "status": "services.status:status",
    "scorer": "services.scorer.cli:scorer",
    "score": "services.scorer.cli:score",
    "alerts": "services.scorer.cli:alerts",
    "simulate": "services.simulate.cli:simulate",
    "report": "services.report.cli:report",
    "kafka": "services.kafka_admin.cli:kafka",
    "web": "services.web.cli:web",
}


# What a user can get wrong or find down: each is reported by _one_line.
_AT_THE_EDGE = (ConfigError, NoDatabase, BrokerUnavailable, DatabaseUnavailable, OSError)


def _one_line(exc: Exception) -> click.ClickException:
    """The one line that one of _AT_THE_EDGE is reported as."""
    if isinstance(exc, ConfigError):
        return click.ClickException(str(exc))
    if isinstance(exc, NoDatabase):
        return click.ClickException(
            f"{exc}; run `tiendo ingest run` (it creates the database), or check DATABASE_URL")
    if isinstance(exc, NotAuthorized):
        return click.ClickException(
            f"{exc} (the principal comes from TIENDO_KAFKA_CREDENTIALS or KAFKA_SASL_USERNAME; "
            "an admin grants access with `tiendo kafka acl apply`)")
    if isinstance(exc, BrokerUnavailable):
        return click.ClickException(f"{exc} (is the broker up? `make up`, or set KAFKA_BOOTSTRAP_SERVERS)")
    if isinstance(exc, DatabaseUnavailable):
        orig = getattr(exc, "orig", None) or exc
        hint = "check DATABASE_URL" if type(orig).__module__.startswith("sqlite3") \
            else "is PostgreSQL up? `make up`, or set DATABASE_URL"
        return click.ClickException(f"database unavailable: {str(orig).strip().replace(chr(10), ' ')} ({hint})")
    # A file the command needs (the SQLite file's directory, a key file) that cannot be made or read.
    where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
    return click.ClickException(f"{exc.strerror or exc}{where}")


class _Tiendo(click.Group):
    """Loads each command on first use, and reports a user's mistake at the edge
    (``_one_line``) as one line, not a traceback."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)

    def main(self, *args, **kwargs):
        fit_streams()
        return super().main(*args, **kwargs)

    def parse_args(self, ctx, args):
        ctx.meta[JSON_REQUESTED] = wants_json(args)  # before parsing: a mistake in it is answered in JSON too
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        with json_errors(ctx):  # outermost: the one lines below are answered in JSON too
            try:
                return super().invoke(ctx)
            except BrokenPipeError:
                raise  # the reader left (`| head`): click ends quietly, like any Unix tool
            except _AT_THE_EDGE as exc:
                raise _one_line(exc) from exc


@click.group(cls=_Tiendo)
@click.option("-v", "--verbose", is_flag=True, help="Log what the workers do.")
@click.version_option(package_name="tiendo")
@click.pass_context
def main(ctx, verbose):
    """Tiến độ — sổ cái tuân thủ chuyển đổi số 2025 (the 2025 digital-transformation ledger).

    Configuration comes from DATABASE_URL (sqlite:///PATH or postgresql://…),
    KAFKA_BOOTSTRAP_SERVERS, TIENDO_KAFKA_CREDENTIALS (the broker principal),
    TIENDO_TOPIC_PREFIX and TIENDO_DATA_DIR (the README's Configuration lists them all).
    On a terminal that cannot show Vietnamese, letters lose their marks
    (Tiến độ: Tien do); a UTF-8 locale shows them.

    \b
    Example:
      tiendo ingest publish events.jsonl && tiendo ingest run --until-idle
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # kafka-python logs every failed connection attempt (a dozen ERROR lines for one broker
    # that is down) and routine metadata races; shared.kafka reports what matters once, as
    # BrokerUnavailable. Its own lines are for debugging: shown with --verbose only.
    logging.getLogger("kafka").setLevel(logging.INFO if verbose else logging.CRITICAL + 1)
    ctx.obj = Runtime()  # the environment is read when a command first needs a setting
    ctx.call_on_close(ctx.obj.close)
