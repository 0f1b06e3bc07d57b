"""`tiendo web subscription …` and `tiendo web delivery …`: who receives the issued
reports by e-mail, and what became of each e-mail (issue 17). The report service sends
them (services/report/delivery.py); these commands only read and write the tables,
through shared/db/deliveries.py."""

from __future__ import annotations

from dataclasses import asdict
from email.utils import parseaddr

import click

from shared.clock import as_utc, utc_now
from shared.db.deliveries import ROLES, AlreadySubscribed, DeliveryStore
from shared.presentation.cli import AgencyId, echo_json, echo_table, json_option, runtime


def _store(ctx: click.Context, reading: bool = False) -> DeliveryStore:
    rt = runtime(ctx)  # a command that only reads opens an existing database only
    return DeliveryStore(rt.existing_engine if reading else rt.engine)


def _address(ctx, param, value: str) -> str:
    name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or address != value.strip():
        raise click.BadParameter(f"{value!r} is not an e-mail address like lanh.dao@chinhphu.vn")
    return address


_JSON = json_option()


@click.group()
def subscription() -> None:
    """Who receives the issued reports by e-mail: an address, as a role or for an agency.

    \b
    Example:
      tiendo web subscription add --email lanh.dao@chinhphu.vn --role leadership
    """


@subscription.command("add")
@click.option("--email", required=True, callback=_address, help="The address that receives the reports.")
@click.option("--role", type=click.Choice(ROLES), help="Subscribe as this role.")
@click.option("--agency", "agency_id", type=AgencyId(), help="Subscribe for this agency (its id).")
@click.option("--lang", type=click.Choice(("vi", "en")), default="vi", show_default=True,
              help="Language of the e-mails and of the report attached (the Vietnamese one for a period "
                   "issued in Vietnamese only).")
@_JSON
@click.pass_context
def add(ctx, email, role, agency_id, lang, as_json):
    """Subscribe an address to the reports issued from now on: each one in its language
    arrives by e-mail, the signed PDF attached. Give a role or an agency.

    \b
    Examples:
      tiendo web subscription add --email lanh.dao@chinhphu.vn --role leadership
      tiendo web subscription add --email vanphong@hanoi.gov.vn --agency ha-noi --lang en
    """
    if (role is None) == (agency_id is None):
        raise click.UsageError("give --role or --agency (one of them)")
    try:
        sub = _store(ctx).subscribe(email, role=role, agency_id=agency_id, lang=lang, now=utc_now())
    except AlreadySubscribed as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(asdict(sub))
    else:
        click.echo(f"subscription {sub.id}: {sub.email} ({sub.role or sub.agency_id}, {sub.lang})")


@subscription.command("list")
@_JSON
@click.pass_context
def list_subscriptions(ctx, as_json):
    """List the subscriptions, oldest first.

    \b
    Example:
      tiendo web subscription list --json
    """
    subs = _store(ctx, reading=True).subscriptions()
    if as_json:
        echo_json(dict(subscriptions=[asdict(s) for s in subs]))
        return
    if not subs:
        click.echo("no subscription yet (see: tiendo web subscription add --help)")
        return
    echo_table(["#", "e-mail", "for", "lang", "since (UTC)"],
               [[s.id, s.email, f"role {s.role}" if s.role else f"agency {s.agency_id}", s.lang,
                 f"{as_utc(s.created_at):%Y-%m-%d %H:%M}"] for s in subs])


@subscription.command("remove")
@click.argument("subscription_id", metavar="ID", type=int)
@_JSON
@click.pass_context
def remove(ctx, subscription_id, as_json):
    """Remove a subscription: its e-mails not sent yet are dropped, the sent ones stay
    on record.

    \b
    Example:
      tiendo web subscription remove 3
    """
    if not _store(ctx).unsubscribe(subscription_id):
        raise click.ClickException(f"no subscription {subscription_id} (see: tiendo web subscription list)")
    if as_json:
        echo_json(dict(removed=subscription_id))
    else:
        click.echo(f"subscription {subscription_id} removed")


@click.group()
def delivery() -> None:
    """The e-mails of the issued reports: sent, refused (with the server's answer), pending.

    \b
    Example:
      tiendo web delivery list
    """


@delivery.command("list")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(min=1), help="How many, newest first.")
@_JSON
@click.pass_context
def list_deliveries(ctx, limit, as_json):
    """List the e-mails of the issued reports, newest first: sent, failed with the SMTP
    server's answer and the time of the next attempt (none: given up), or pending.

    \b
    Examples:
      tiendo web delivery list
      tiendo web delivery list --limit 20 --json
    """
    found = _store(ctx, reading=True).deliveries(limit)
    if as_json:
        echo_json(dict(deliveries=[asdict(d) for d in found]))
        return
    if not found:
        click.echo("no e-mail yet: none issued since a subscription (see: tiendo web subscription list)")
        return
    echo_table(["#", "report", "e-mail", "attempts", "state"],
               [[d.id, f"{d.period}/{d.lang}", d.email, d.attempts, _state(d)] for d in found], wrap=(4,))


def _state(d) -> str:
    """What became of an e-mail, its times in UTC."""
    if d.status == "sent":
        return f"sent {as_utc(d.sent_at):%Y-%m-%d %H:%M} UTC"
    if d.status == "failed":
        then = f"next attempt {as_utc(d.next_attempt_at):%Y-%m-%d %H:%M} UTC" if d.next_attempt_at else "given up"
        return f"failed: {d.last_error} ({then})"
    return "pending"


@delivery.command("retry")
@click.argument("delivery_ids", metavar="[ID]...", nargs=-1, type=int)
@_JSON
@click.pass_context
def retry(ctx, delivery_ids, as_json):
    """Make failed e-mails due now (all of them, or those named), given-up ones
    included: the report worker's next round sends them (`tiendo report deliver` sends
    them at once).

    \b
    Examples:
      tiendo web delivery retry
      tiendo web delivery retry 12 15
    """
    count = _store(ctx).retry(utc_now(), list(delivery_ids) if delivery_ids else None)
    if as_json:
        echo_json(dict(due_now=count))
    else:
        click.echo(f"{count} failed e-mails due now; `tiendo report deliver` sends them")
