"""`tiendo web subscription …` and `tiendo web delivery …`: who receives the issued
reports by e-mail, and what became of each e-mail (issue 17). The report service sends
them (services/report/delivery.py); these commands only read and write the tables,
through shared/db/deliveries.py."""

from __future__ import annotations

import json
from dataclasses import asdict
from email.utils import parseaddr

import click

from shared.clock import utc_now
from shared.db.deliveries import ROLES, AlreadySubscribed, DeliveryStore
from shared.domain.agencies import get_agency


def _store(ctx: click.Context) -> DeliveryStore:
    return DeliveryStore(ctx.find_root().obj.engine)


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2,
                          default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


def _address(ctx, param, value: str) -> str:
    name, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or address != value.strip():
        raise click.BadParameter(f"{value!r} is not an e-mail address like lanh.dao@chinhphu.vn")
    return address


def _agency(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        get_agency(value)
    except KeyError:
        raise click.BadParameter(f"unknown agency {value!r} (see: tiendo catalogue agencies)") from None
    return value


_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


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
@click.option("--agency", "agency_id", callback=_agency, help="Subscribe for this agency (its id).")
@click.option("--lang", type=click.Choice(("vi", "en")), default="vi", show_default=True,
              help="Language of the e-mails and of the report attached (the Vietnamese one for a period "
                   "issued in Vietnamese only).")
@click.pass_context
def add(ctx, email, role, agency_id, lang):
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
    subs = _store(ctx).subscriptions()
    if as_json:
        _echo_json([asdict(s) for s in subs])
        return
    if not subs:
        click.echo("no subscription yet (see: tiendo web subscription add --help)")
    for s in subs:
        who = f"role {s.role}" if s.role else f"agency {s.agency_id}"
        click.echo(f"{s.id:>4}  {s.email:<40} {who:<22} {s.lang}  since {s.created_at:%Y-%m-%d %H:%M} UTC")


@subscription.command("remove")
@click.argument("subscription_id", metavar="ID", type=int)
@click.pass_context
def remove(ctx, subscription_id):
    """Remove a subscription: its e-mails not sent yet are dropped, the sent ones stay
    on record.

    \b
    Example:
      tiendo web subscription remove 3
    """
    if not _store(ctx).unsubscribe(subscription_id):
        raise click.ClickException(f"no subscription {subscription_id} (see: tiendo web subscription list)")
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
    found = _store(ctx).deliveries(limit)
    if as_json:
        _echo_json([asdict(d) for d in found])
        return
    if not found:
        click.echo("no e-mail yet: none issued since a subscription (see: tiendo web subscription list)")
    for d in found:
        if d.status == "sent":
            state = f"sent {d.sent_at:%Y-%m-%d %H:%M} UTC"
        elif d.status == "failed":
            then = f"next attempt {d.next_attempt_at:%Y-%m-%d %H:%M} UTC" if d.next_attempt_at else "given up"
            state = f"failed: {d.last_error} ({then})"
        else:
            state = "pending"
        click.echo(f"{d.id:>5}  {d.period}/{d.lang}  {d.email:<40} attempts {d.attempts}  {state}")


@delivery.command("retry")
@click.argument("delivery_ids", metavar="[ID]...", nargs=-1, type=int)
@click.pass_context
def retry(ctx, delivery_ids):
    """Make failed e-mails due now (all of them, or those named), given-up ones
    included: the report worker's next round sends them (`tiendo report deliver` sends
    them at once).

    \b
    Examples:
      tiendo web delivery retry
      tiendo web delivery retry 12 15
    """
    count = _store(ctx).retry(utc_now(), list(delivery_ids) if delivery_ids else None)
    click.echo(f"{count} failed e-mails due now; `tiendo report deliver` sends them")
