"""`tiendo web token …`: API tokens for other government systems that read the API
(issue 17). A token acts as one web user; only its SHA-256 is stored, so it is shown once,
when it is issued."""

from __future__ import annotations

from dataclasses import asdict

import click

from shared.db.web_users import WebUserStore
from shared.presentation.cli import echo_json, echo_table, json_option, runtime

from services.web.auth import API_TOKEN_DAYS, ApiTokens, UnknownUser

_JSON = json_option()


@click.group()
def token() -> None:
    """API tokens: another system sends one as `Authorization: Bearer …` to read /api/…
    as the web user it was issued for (that user's role and agency).

    \b
    Example:
      tiendo web token add cong-du-lieu --label "Cổng dữ liệu quốc gia"
    """


@token.command("add")
@click.argument("user_name", metavar="USER")
@click.option("--label", required=True, help="Which system holds the token (shown by `token list`).")
@click.option("--days", default=API_TOKEN_DAYS, show_default=True, type=click.IntRange(1, 3650),
              help="Days until the token expires.")
@_JSON
@click.pass_context
def add(ctx, user_name, label, days, as_json):
    """Issue an API token acting as USER, a web user of `tiendo web user add`. The token
    is printed once and not kept: give it to the system that calls the API.

    \b
    Example:
      tiendo web token add cong-du-lieu --label "Cổng dữ liệu quốc gia" --days 90
      curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8000/api/national
    """
    if not 1 <= len(label) <= 128:
        raise click.BadParameter("1 to 128 characters", param_hint="--label")
    try:
        secret, record = ApiTokens(WebUserStore(runtime(ctx).engine)).issue(user_name, label, days)
    except UnknownUser:
        raise click.ClickException(f"no web user {user_name!r}: add it first with `tiendo web user add`") from None
    if as_json:
        echo_json(dict(asdict(record), token=secret))
        return
    click.echo(f"token {record.id} for {user_name} ({label}), valid until {record.expires_at:%Y-%m-%d %H:%M} UTC;"
               " shown this once:", err=True)
    click.echo(secret)


@token.command("list")
@_JSON
@click.pass_context
def list_tokens(ctx, as_json):
    """The API tokens, oldest first: id, user, label, when issued, until when, revoked
    (never the token itself).

    \b
    Example:
      tiendo web token list --json
    """
    tokens = WebUserStore(runtime(ctx).existing_engine).tokens()
    if as_json:
        echo_json(dict(tokens=[asdict(k) for k in tokens]))
        return
    echo_table(["id", "user", "label", "issued (UTC)", "expires (UTC)", "revoked (UTC)"],
               [[str(k.id), k.user_name, k.label, f"{k.created_at:%Y-%m-%d %H:%M}", f"{k.expires_at:%Y-%m-%d %H:%M}",
                 f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "–"] for k in tokens])


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=click.IntRange(1))
@_JSON
@click.pass_context
def revoke(ctx, token_id, as_json):
    """Revoke an API token at once (its id from `tiendo web token list`).

    \b
    Example:
      tiendo web token revoke 3
    """
    if not WebUserStore(runtime(ctx).engine).revoke_token(token_id):
        raise click.ClickException(f"no API token {token_id} to revoke (unknown, or revoked already)")
    if as_json:
        echo_json(dict(id=token_id, revoked=True))
    else:
        click.echo(f"revoked token {token_id}")
