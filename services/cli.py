"""`tiendo`: the one command operators use. It composes each service's click group and
turns infrastructure failures into one-line errors."""

from __future__ import annotations

import logging

import click

from shared.db import DatabaseUnavailable
from shared.kafka import BrokerUnavailable
from shared.runtime import Runtime

from services.catalogue.cli import catalogue
from services.ingest.cli import agency, dlq, ingest, ledger
from services.report.cli import report
from services.scorer.cli import alerts, score, scorer
from services.simulate.cli import simulate
from services.status import status


class _Tiendo(click.Group):
    """Reports a broker or database that cannot be reached as one line, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
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

    Configuration comes from DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS and
    TIENDO_TOPIC_PREFIX.

    \b
    Example:
      tiendo ingest publish events.jsonl && tiendo ingest run --until-idle
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # kafka-python warns about slow event-loop ticks and metadata races that are routine
    # for a short-lived command; operators need them only when debugging.
    logging.getLogger("kafka").setLevel(logging.INFO if verbose else logging.ERROR)
    ctx.obj = Runtime()


for group in (ingest, ledger, dlq, agency, catalogue, status, scorer, score, alerts, simulate, report):
    main.add_command(group)
