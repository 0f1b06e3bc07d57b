"""`tiendo`: the one command operators use. It composes each service's click group and
turns infrastructure failures into one-line errors."""

from __future__ import annotations

import importlib
import logging

import click

from shared.db import DatabaseUnavailable
from shared.kafka import BrokerUnavailable, NotAuthorized
from shared.runtime import Runtime

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


class _Tiendo(click.Group):
    """Loads each command on first use, and reports a broker or database that cannot be
    reached as one line, not a traceback."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NotAuthorized as exc:
            raise click.ClickException(
                f"{exc} (the principal comes from TIENDO_KAFKA_CREDENTIALS or KAFKA_SASL_USERNAME; "
                "an admin grants access with `tiendo kafka acl apply`)") from exc
        except BrokerUnavailable as exc:
            raise click.ClickException(f"{exc} (is the broker up? `make up`, or set KAFKA_BOOTSTRAP_SERVERS)") from exc
        except DatabaseUnavailable as exc:
            raise click.ClickException(
                f"database unavailable: {exc.orig} (is PostgreSQL up? `make up`, or set DATABASE_URL)"
            ) from exc


@click.group(cls=_Tiendo)
@click.option("-v", "--verbose", is_flag=True, help="Log what the workers do.")
@click.version_option(package_name="tiendo")
@click.pass_context
def main(ctx, verbose):
    """Tiến độ — sổ cái tuân thủ chuyển đổi số 2025 (the 2025 digital-transformation ledger).

    Configuration comes from DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS,
    TIENDO_KAFKA_CREDENTIALS (the broker principal) and TIENDO_TOPIC_PREFIX.

    \b
    Example:
      tiendo ingest publish events.jsonl && tiendo ingest run --until-idle
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # kafka-python warns about slow event-loop ticks and metadata races that are routine
    # for a short-lived command; operators need them only when debugging.
    logging.getLogger("kafka").setLevel(logging.INFO if verbose else logging.ERROR)
    try:
        ctx.obj = Runtime()
    except ValueError as exc:  # a configuration that cannot be used (a missing credentials file)
        raise click.ClickException(str(exc)) from exc
    ctx.call_on_close(ctx.obj.close)
