"""`tiendo web`: serve the web view and manage its users."""

from __future__ import annotations

import os
import sys

import click

from shared.clock import as_utc
from shared.db.web_users import UserExists, WebUserStore
from shared.presentation.cli import AgencyId, echo_json, echo_table, json_option, runtime

from services.web.auth import ROLES, hash_password
from services.web.delivery_cli import delivery, subscription
from services.web.token_cli import token

MIN_PASSWORD = 12


@click.group()
def web() -> None:
    """The web view: live figures for leaders, each agency its own evidence and rejections,
    and a read-only JSON API (documented at /openapi.json).

    \b
    Example:
      tiendo web user add lan --role leadership && tiendo web serve --port 8000
    """


@web.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--insecure-cookies", is_flag=True, envvar="TIENDO_WEB_INSECURE_COOKIES",
              help="Send the session cookie over plain http too (only behind no proxy, on 127.0.0.1).")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-For/-Proto from a reverse proxy on 127.0.0.1 (the TLS terminator).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes: a page is Python-bound, so one a core serves the most.")
@click.pass_context
def serve(ctx, host, port, insecure_cookies, proxy_headers, workers):
    """Serve the web view and the API (uvicorn). Users sign in with the names and passwords
    of `tiendo web user add`; the session cookie is Secure unless --insecure-cookies.

    \b
    Example:
      tiendo web serve --host 127.0.0.1 --port 8000 --insecure-cookies --workers 2
    """
    import uvicorn

    runtime(ctx).engine  # the schema current (migrated if old) once, before any server process starts
    # Each server process builds its own application from the environment (uvicorn's
    # factory): an engine and its connections cannot cross a fork.
    os.environ["TIENDO_WEB_INSECURE_COOKIES"] = "1" if insecure_cookies else ""
    uvicorn.run("services.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                proxy_headers=proxy_headers, forwarded_allow_ips="127.0.0.1", server_header=False,
                log_level="warning")


@web.group()
def user() -> None:
    """Web users: leadership, auditor, operator (everything, read only; operators also the
    rejected events), agency (its own agency only).

    \b
    Example:
      tiendo web user list
    """


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user may see.")
@click.option("--agency", "agency_id", type=AgencyId(), help="The agency of an agency user (its id, e.g. ha-noi).")
@json_option()
@click.pass_context
def user_add(ctx, name, role, agency_id, as_json):
    """Register a web user. The password is asked for twice, or read from the first line
    of stdin; only its argon2id hash is stored.

    \b
    Example:
      tiendo web user add ubnd-hanoi --role agency --agency ha-noi
      printf '%s\\n' "$PASSWORD" | tiendo web user add lan --role leadership
    """
    if (role == "agency") != (agency_id is not None):
        raise click.UsageError("--agency is required for an agency user, and only for one")
    if not 1 <= len(name) <= 64:
        raise click.BadParameter("1 to 64 characters", param_hint="NAME")
    store = WebUserStore(runtime(ctx).engine)
    if store.user(name) is not None:
        raise click.ClickException(f"a web user {name!r} exists already")
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD} characters")
    try:
        store.add_user(name, role, agency_id, hash_password(password))
    except UserExists:  # added meanwhile by someone else
        raise click.ClickException(f"a web user {name!r} exists already") from None
    if as_json:
        echo_json(dict(name=name, role=role, agency_id=agency_id))
    else:
        click.echo(f"added {name} ({role}{', ' + agency_id if agency_id else ''})")


@user.command("list")
@json_option()
@click.pass_context
def user_list(ctx, as_json):
    """The web users: name, role, agency and when they were added (never a password hash).

    \b
    Example:
      tiendo web user list --json
    """
    users = WebUserStore(runtime(ctx).existing_engine).users()
    if as_json:
        echo_json(dict(users=[dict(name=u.name, role=u.role, agency_id=u.agency_id, created_at=u.created_at)
                              for u in users]))
        return
    echo_table(["name", "role", "agency", "added (UTC)"],
               [[u.name, u.role, u.agency_id or "–", f"{as_utc(u.created_at):%Y-%m-%d %H:%M}"] for u in users])


@user.command("remove")
@click.argument("name")
@json_option()
@click.pass_context
def user_remove(ctx, name, as_json):
    """Remove a web user: its open sessions and API tokens end at once.

    \b
    Example:
      tiendo web user remove ubnd-hanoi
    """
    if not WebUserStore(runtime(ctx).engine).remove_user(name):
        raise click.ClickException(f"no web user {name!r}")
    if as_json:
        echo_json(dict(name=name, removed=True))
    else:
        click.echo(f"removed {name}")


# E-mail delivery of the issued reports (services/web/delivery_cli.py); API tokens
# (services/web/token_cli.py).
web.add_command(subscription)
web.add_command(delivery)
web.add_command(token)
