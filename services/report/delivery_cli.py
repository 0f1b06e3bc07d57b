"""The report service's e-mail commands: `report deliver`, and what `report build
--issue` adds to a build (record it as issued, then e-mail it). Kept beside cli.py,
which attaches them to the `report` group."""

from __future__ import annotations

import click

from shared.config import Settings
from shared.db.deliveries import DeliveryStore
from shared.db.report_queries import ReportStore
from shared.presentation.cli import echo_json, json_option, runtime
from shared.runtime import Runtime

from services.report.delivery import Deliverer, DeliveryStats
from services.report.model import plain
from services.report.period import Period
from services.report.worker import files_json


def issuable(store: ReportStore, period: Period, lang: str, formats: tuple[str, ...]) -> None:
    """Refuse `--issue` before building: a report issued already (its files would be
    overwritten), or one without the PDF its e-mails carry."""
    if "pdf" not in formats:
        raise click.ClickException("--issue e-mails the signed PDF: add pdf to --format")
    if (period.code, lang) in store.claimed():
        raise click.ClickException(f"the report of {period.code} in {lang} is issued already "
                                   "(`tiendo report list`)")


def issue_built(rt: Runtime, store: ReportStore, period: Period, lang: str, cutoff, written) -> dict:
    """Record a built report as issued, as the scheduler records its own (its next round
    announces it), then e-mail it; what was recorded and sent, for printing."""
    record = store.claim(period.code, lang, cutoff.at, cutoff.seq, cutoff.dead_letter_id)
    if record is None:
        raise click.ClickException(f"the report of {period.code} in {lang} was issued meanwhile by another "
                                   "process; the files written here are not recorded")
    store.mark_built(record.id, files_json(written), plain(cutoff.tree))
    return dict(report_id=record.id, **_mail_json(_deliver(rt)))


def mail_line(mailed: dict, settings: Settings) -> str:
    """One line on what a round of e-mails did."""
    if not settings.mail.host:
        return f"{mailed['scheduled']} e-mails wait, pending: TIENDO_SMTP_HOST is not set"
    return (f"e-mailed {len(mailed['sent'])}, refused {len(mailed['failed'])} (tried again later; "
            "`tiendo web delivery list`)")


def _deliver(rt: Runtime) -> DeliveryStats:
    return Deliverer(DeliveryStore(rt.engine), ReportStore(rt.engine), rt.settings.mail).run_once()


def _mail_json(stats: DeliveryStats) -> dict:
    return dict(scheduled=stats.scheduled, sent=stats.sent, failed=stats.failed)


@click.command()
@json_option()
@click.pass_context
def deliver(ctx, as_json):
    """E-mail the issued reports now: schedule an e-mail for each subscriber of each
    report issued since it subscribed, and send every one due (new ones, and refused
    ones whose wait is over), through TIENDO_SMTP_HOST. `report run` does the same
    after each round; this is for cron and for an operator who just fixed the server
    (`tiendo web delivery retry` first makes the refused ones due at once).

    \b
    Example:
      tiendo report deliver --json
    """
    rt = runtime(ctx)
    mailed = _mail_json(_deliver(rt))
    if as_json:
        echo_json(mailed)
        return
    for label in mailed["sent"]:
        click.echo(f"sent     {label}")
    for label in mailed["failed"]:
        click.echo(f"refused  {label}")
    click.echo(mail_line(mailed, rt.settings))
