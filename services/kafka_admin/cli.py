"""`tiendo kafka`: the broker's side of least privilege — ACLs and principals. Run as the
broker's super user (the local broker's: TIENDO_KAFKA_CREDENTIALS=.local/kafka/credentials/admin.env)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from shared.presentation.cli import echo_json, echo_table, json_option, pass_runtime

from services.kafka_admin.acls import Principals, of_pipeline, pipeline_grants


@click.group()
def kafka() -> None:
    """Broker access: who may read and write which topic.

    \b
    Example:
      tiendo kafka acl apply
      tiendo kafka acl list
    """


@kafka.group()
def acl() -> None:
    """The ACLs of the pipeline (TIENDO_TOPIC_PREFIX).

    \b
    Example:
      tiendo kafka acl apply --agency agency --agency ha-noi
    """


@acl.command()
@click.option("--agency", "agencies", multiple=True, default=("agency",), show_default=True,
              help="A principal of an agency system: it may write progress events only (repeatable).")
@click.option("--ingest", "ingest_user", default="ingest", show_default=True, help="The ingest worker's principal.")
@click.option("--scorer", "scorer_user", default="scorer", show_default=True, help="The scorer worker's principal.")
@click.option("--report", "report_user", default="report", show_default=True, help="The report worker's principal.")
@json_option()
@pass_runtime
def apply(rt, agencies, ingest_user, scorer_user, report_user, as_json):
    """Create the pipeline's topics and grant each principal what it needs, no more:
    agencies write progress events; only ingest writes the ledger and dead letters;
    each worker reads with its own consumer group. Idempotent.

    \b
    Example:
      TIENDO_KAFKA_CREDENTIALS=.local/kafka/credentials/admin.env tiendo kafka acl apply
    """
    s = rt.settings
    rt.broker.ensure_topics(s.topics.all(), s.partitions, s.topics.configs())
    grants = pipeline_grants(s.topic_prefix, Principals(ingest_user, scorer_user, report_user, tuple(agencies)))
    rt.broker.grant(grants)
    if as_json:
        echo_json(dict(acls=[vars_of(g) for g in grants]))
    else:
        click.echo(f"{len(grants)} ACLs for the topics and groups {s.topic_prefix}.*:")
        for g in grants:
            click.echo(f"  {g.describe()}")


def vars_of(g) -> dict:
    return dict(principal=g.principal, operation=g.operation, resource=g.resource, name=g.name, prefixed=g.prefixed)


@acl.command(name="list")
@click.option("--all", "everything", is_flag=True, help="Every pipeline's ACLs, not only TIENDO_TOPIC_PREFIX's.")
@json_option()
@pass_runtime
def list_(rt, everything, as_json):
    """The ACLs the broker holds for the pipeline.

    \b
    Example:
      tiendo kafka acl list --json
    """
    grants = rt.broker.acls()
    if not everything:
        grants = of_pipeline(grants, rt.settings.topic_prefix)
    if as_json:
        echo_json(dict(acls=[vars_of(g) for g in grants]))
    else:
        echo_table(["principal", "operation", "resource", "name"],
                   [[g.principal, g.operation, g.resource, g.name + ("*" if g.prefixed else "")] for g in grants])


@kafka.group()
def user() -> None:
    """SASL/SCRAM principals (per-agency principals, new passwords).

    \b
    Example:
      tiendo kafka user add ha-noi --out ha-noi.kafka.env
    """


@user.command()
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the principal's credentials (created 0600; must not exist).")
@json_option()
@pass_runtime
def add(rt, name, out, as_json):
    """Create a principal (or give it a new password) with a random password, written
    to --out as the variables TIENDO_KAFKA_CREDENTIALS reads; never printed. Grant it
    access with `tiendo kafka acl apply --agency NAME`.

    \b
    Example:
      tiendo kafka user add ha-noi --out ha-noi.kafka.env
      tiendo kafka acl apply --agency agency --agency ha-noi
    """
    password = secrets.token_hex(24)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{out} exists; choose another path") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(f"KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT\nKAFKA_SASL_MECHANISM=SCRAM-SHA-512\n"
                f"KAFKA_SASL_USERNAME={name}\nKAFKA_SASL_PASSWORD={password}\n")
    try:
        rt.broker.set_user_password(name, password)
    except BaseException:
        out.unlink()
        raise
    if as_json:
        echo_json(dict(principal=f"User:{name}", credentials_file=out))
    else:
        click.echo(f"principal User:{name} created; credentials in {out}")


@user.command(name="set")
@click.argument("name")
@click.option("--password-env", "variable", required=True, metavar="VARIABLE",
              help="The environment variable holding the password (never a command-line argument).")
@json_option()
@pass_runtime
def set_(rt, name, variable, as_json):
    """Create a principal, or give it a new password, from an environment variable (for
    init steps such as docker-compose's kafka-init).

    \b
    Example:
      TIENDO_KAFKA_INGEST_PASSWORD=… tiendo kafka user set ingest --password-env TIENDO_KAFKA_INGEST_PASSWORD
    """
    password = os.environ.get(variable)
    if not password:
        raise click.ClickException(f"{variable} is not set")
    rt.broker.set_user_password(name, password)
    if as_json:
        echo_json(dict(principal=f"User:{name}", password_set=True))
    else:
        click.echo(f"principal User:{name}: password set")
