"""`tiendo catalogue …`: read the target catalogue, the agency registry and the event schema."""

from __future__ import annotations

from datetime import date

import click

from services.catalogue.tables import UNCONFIRMED_MARK, agencies_table, targets_table
from shared.clock import vietnam_today
from shared.domain.agencies import AgencyKind, accountable_head, agencies_on
from shared.domain.catalogue import catalogue_on
from shared.domain.schema import asyncapi_text, json_schema_text
from shared.presentation.cli import Day, echo_json, echo_text, json_option
from shared.presentation.figures import day_text

_ON = click.option("--on", "on", type=Day(), default=None,
                   help="As of this day (YYYY-MM-DD). Default: today in Vietnam.")
_JSON = json_option()


@click.group(name="catalogue")
def catalogue() -> None:
    """The 2025 target catalogue, the agency registry and the event contract.

    \b
    Example:
      tiendo catalogue targets --on 2025-03-01
    """


@catalogue.command("targets")
@_ON
@_JSON
def targets(on: date | None, as_json: bool) -> None:
    """List the 2025 targets as they stood on a day, revisions applied.

    \b
    Examples:
      tiendo catalogue targets
      tiendo catalogue targets --on 2025-02-01 --json
    """
    day = on or vietnam_today()
    listed = list(catalogue_on(day).values())
    if as_json:
        echo_json(dict(on=day, targets=[target.model_dump(mode="json") for target in listed]))
        return
    echo_text(f"Danh mục chỉ tiêu ngày {day_text(day)}: {len(listed)} chỉ tiêu")
    click.echo(targets_table(listed, day))


@catalogue.command("agencies")
@_ON
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in AgencyKind]),
    default=None,
    help="Only ministries or only provinces.",
)
@_JSON
def agencies(on: date | None, kind: str | None, as_json: bool) -> None:
    """List the ministries and provinces that existed on a day.

    Codes marked * are not yet confirmed against their source document. The JSON gives
    each agency's accountable head by position (accountable_head).

    \b
    Examples:
      tiendo catalogue agencies --on 2025-06-30 --kind province
      tiendo catalogue agencies --on 2025-07-01 --json
    """
    day = on or vietnam_today()
    listed = agencies_on(day, AgencyKind(kind) if kind else None)
    if as_json:
        echo_json(dict(on=day, agencies=[
            {**agency.model_dump(mode="json"), "accountable_head": accountable_head(agency.id, day)}
            for agency in listed
        ]))
        return
    kind_labels = {
        AgencyKind.MINISTRY: "bộ, cơ quan ngang bộ",
        AgencyKind.PROVINCE: "tỉnh, thành phố",
    }
    summary = "; ".join(
        f"{sum(agency.kind is shown for agency in listed)} {label}"
        for shown, label in kind_labels.items()
        if kind in (None, shown.value)
    )
    echo_text(f"Cơ quan ngày {day_text(day)}: {summary}")
    click.echo(agencies_table(listed))
    if any(not agency.code_confirmed for agency in listed):
        echo_text(f"{UNCONFIRMED_MARK} mã chưa được xác nhận (code not yet confirmed)")


@catalogue.command("schema")
@click.option("--asyncapi", is_flag=True, help="Print the AsyncAPI 3 document (YAML) instead.")
@click.option("--prefix", default="tiendo", show_default=True, help="Topic name prefix for --asyncapi.")
def schema(asyncapi: bool, prefix: str) -> None:
    """Print the JSON Schema of progress events (contract v1) for agency developers.

    \b
    Examples:
      tiendo catalogue schema > progress-event.v2.json
      tiendo catalogue schema --asyncapi --prefix staging
    """
    click.echo(asyncapi_text(prefix) if asyncapi else json_schema_text(), nl=False)
