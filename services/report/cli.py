"""Click commands of the report service: `report build`, `report run`, `report verify`
and `report list`. A thin shell: parse options, call services.report, print."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import click

from shared.clock import as_utc, utc_now, vietnam_today
from shared.config import Settings
from shared.db.deliveries import DeliveryStore
from shared.db.report_queries import ReportStore
from shared.domain.temporal import VIETNAM_TZ
from shared.keyfiles import ReportsKey, load_public_key_file, load_reports_public_key_file, public_path
from shared.presentation.cli import Day, echo_json, echo_table, json_option, runtime
from shared.runtime import graceful_stop

from services.report.build import NoTreeHead, ReportBuilder, reports_key, write_report
from services.report.delivery import Deliverer
from services.report.delivery_cli import deliver, issuable, issue_built, mail_line
from services.report.figures import NotAReport
from services.report.model import plain
from services.report.period import Period
from services.report.render import FORMATS
from services.report.texts import LANGUAGES, Texts
from services.report.verify import PublicKeys, verify_file
from services.report.worker import ReportWorker, files_json


class PeriodType(click.ParamType):
    """A month 2025-06, a quarter 2025-Q2 or a year 2025."""

    name = "PERIOD"

    def convert(self, value, param, ctx) -> Period:
        if isinstance(value, Period):
            return value
        try:
            return Period.parse(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class CutOffType(click.ParamType):
    """A day (the end of it, Vietnam time) or an ISO timestamp with its offset."""

    name = "YYYY-MM-DD|TIMESTAMP"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value)
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                return datetime.combine(day + timedelta(days=1), time(), VIETNAM_TZ) - timedelta(microseconds=1)
            at = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is neither a day YYYY-MM-DD nor a timestamp like 2025-07-01T08:00:00+07:00",
                      param, ctx)
        if at.tzinfo is None:
            self.fail(f"{text!r} has no UTC offset; add one, e.g. +07:00", param, ctx)
        return at


def _formats(ctx, param, value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        wrong = ", ".join(unknown) if unknown else repr(value)
        raise click.BadParameter(f"{wrong}: choose among {', '.join(FORMATS)}")
    return chosen


_JSON = json_option()
_LANG = click.option("--lang", type=click.Choice(LANGUAGES), default="vi", show_default=True,
                     help="Language of the report: Vietnamese or English.")
_FORMAT = click.option("--format", "formats", default="html,pdf,md", show_default=True, callback=_formats,
                       help="Comma-separated formats to write.")
_OUT = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                    help="Directory to write to (default: <TIENDO_DATA_DIR>/reports).")


@click.group()
def report() -> None:
    """The Steering Committee's reports: build, schedule, verify.

    \b
    Example:
      tiendo report build --period 2025-Q2
    """


@report.command()
@click.option("--period", required=True, type=PeriodType(), help="2025-06 (a month), 2025-Q2 or 2025.")
@_LANG
@_FORMAT
@_OUT
@click.option("--cut-off", "cut_off", type=CutOffType(),
              help="Count the ledger as recorded up to this instant: a day (its end, Vietnam time) or an ISO "
                   "timestamp. Default: the newest record, so a rebuild gives the same report, byte for byte "
                   "(the PDF up to its signature), until something new is recorded.")
@click.option("--issue", is_flag=True,
              help="Record the report as issued (as `report run` records its own; announced on its next round) "
                   "and e-mail it to the subscribers. Once per period and language.")
@_JSON
@click.pass_context
def build(ctx, period, lang, formats, out_dir, cut_off, issue, as_json):
    """Build the report of one period: figures on its last day, from the ledger as
    recorded up to the cut-off, in Vietnamese (or English) as HTML, PDF and Markdown.

    The report carries the Merkle proof of its cut-off under the newest signed tree head
    (it fails, naming why, while no head covers the cut-off yet) and is signed with the
    reports key (TIENDO_REPORTS_KEY, created on first use): the PDF with a PAdES
    signature, Markdown and HTML with a detached <file>.sig beside them.

    \b
    Examples:
      tiendo report build --period 2025-Q2
      tiendo report build --period 2025-06 --lang en --format md --out /tmp/reports
      tiendo report build --period 2025 --cut-off 2026-01-05
      tiendo report build --period 2025-Q2 --issue
    """
    rt = runtime(ctx)
    today = vietnam_today()
    if period.end >= today:
        raise click.ClickException(f"{period} has not ended yet (its last day is {period.end}); "
                                   "a report is built once its period is over")
    if cut_off is not None and cut_off > utc_now():
        raise click.ClickException(f"the cut-off {cut_off.isoformat()} is in the future; the ledger after it "
                                   "is not written yet")
    store = ReportStore(rt.engine)
    if issue:
        issuable(store, period, lang, formats)
    builder = ReportBuilder(rt.engine)
    key = _reports_key(rt.settings)
    out_dir = out_dir or rt.settings.data_dir / "reports"
    try:
        with click.progressbar(length=2 + len(formats), label=f"Building the report of {period}", file=sys.stderr,
                               show_pos=True) as bar:
            cutoff = builder.cutoff_at(cut_off) if cut_off is not None else builder.latest_cutoff()
            model = builder.report(period, cutoff)
            bar.update(1)
            written = write_report(model, lang, formats, out_dir, key, advance=lambda: bar.update(1))
    except NoTreeHead as exc:
        raise click.ClickException(str(exc)) from None
    issued = issue_built(rt, store, period, lang, cutoff, written) if issue else None
    if as_json:
        echo_json(dict(period=period.code, lang=lang, as_of=model.as_of,
                        cutoff=dict(at=cutoff.at, seq=cutoff.seq, dead_letter_id=cutoff.dead_letter_id,
                                    tree=plain(cutoff.tree)),
                        figures_from=builder.source, files=files_json(written),
                        **({"issued": issued} if issued else {})))
        return
    t = Texts(lang)
    click.echo(f"{t.period(period)}: figures as of {model.as_of}, ledger up to entry {cutoff.seq} "
               f"(cut-off {cutoff.at.isoformat()}); figures from the scorer's {_SOURCES[builder.source]}; "
               f"{_proof_line(cutoff.tree)}")
    for f in written.values():
        click.echo(str(f.path) + (f" (signature: {f.signature.name})" if f.signature else " (signed inside)"))
    if issued:
        click.echo(f"issued as report {issued['report_id']}; {mail_line(issued, rt.settings)}")


_SOURCES = {"snapshots": "month-end snapshots", "ledger": "fold of the ledger (no snapshot reflects this cut-off)"}


def _proof_line(tree) -> str:
    if tree is None:
        return "the ledger held no entry then"
    head = tree.head
    return (f"Merkle tree of {tree.size} entries, root {tree.root[:16]}…, under the head of {head['tree_size']} "
            f"signed {head['timestamp']} by {head['key_id']}")


@report.command()
@click.option("--once", is_flag=True, help="Build what is due, then stop (for cron and tests).")
@click.option("--since", type=PeriodType(), default="2025-01", show_default=True,
              help="The first period to report on: reports for earlier periods are never built.")
@click.option("--lang", "langs", type=click.Choice(LANGUAGES), multiple=True, default=("vi",), show_default=True,
              help="Language of the reports (repeat for both).")
@_FORMAT
@_OUT
@click.option("--interval", default=300.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between checks for due reports.")
@click.option("--today", type=Day(), help="Act as if today (Vietnam) were this day (replays, demos, tests).")
@_JSON
@click.pass_context
def run(ctx, once, since, langs, formats, out_dir, interval, today, as_json):
    """Run the report scheduler: on the 1st of each month the previous month's report,
    after each quarter and year theirs, each exactly once; signed, recorded in the
    database and announced on the reports topic. A report whose cut-off no signed tree
    head covers yet waits, claimed, for a later round.

    \b
    Examples:
      tiendo report run
      tiendo report run --once --since 2025-06 --today 2025-07-01 --format md
    """
    rt = runtime(ctx)
    key = _reports_key(rt.settings)
    worker = ReportWorker(rt.settings, rt.broker, ReportBuilder(rt.engine), ReportStore(rt.engine),
                          out_dir=out_dir or rt.settings.data_dir / "reports", since=since, langs=langs,
                          formats=formats, today=(lambda: today) if today else vietnam_today, key=key,
                          deliverer=Deliverer(DeliveryStore(rt.engine), ReportStore(rt.engine), rt.settings.mail))
    try:
        if once:
            due = len(worker.store.unbuilt()) + len(worker.due())
            with click.progressbar(length=due, label="Building due reports", file=sys.stderr,
                                   show_pos=True) as bar:
                stats = worker.run_once(on_report=lambda label: bar.update(1))
        else:
            stats = worker.run(interval_s=interval, stop=graceful_stop())
    except KeyboardInterrupt:
        stats = worker.stats
    # E-mail counts only when there were any, so that a deployment without subscribers reads as before.
    mail = dict(mailed=stats.mailed, mail_failed=stats.mail_failed) if stats.mailed or stats.mail_failed else {}
    if as_json:
        echo_json(dict(built=stats.built, resumed=stats.resumed, announced=stats.announced, waiting=stats.waiting,
                        **mail))
    else:
        click.echo(f"reports: built {len(stats.built)} ({', '.join(stats.built) or 'none'}), "
                   f"resumed {len(stats.resumed)}, announced {stats.announced}"
                   + (f"; waiting for a signed tree head: {', '.join(stats.waiting)}" if stats.waiting else "")
                   + (f"; e-mailed {stats.mailed}, refused {stats.mail_failed}" if mail else ""))


@report.command()
@click.option("--period", required=True, type=PeriodType(), help="2025-06 (a month), 2025-Q2 or 2025.")
@_LANG
@click.option("--cut-off", "cut_off", type=CutOffType(),
              help="The ledger as recorded up to this instant (a report prints the command with its own "
                   "cut-off). Default: the newest record.")
@_JSON
@click.pass_context
def amendments(ctx, period, lang, cut_off, as_json):
    """List every correction and retraction sent during a period, in the order they were
    sent, with the figure each replaced. A report counts all of them but shows only the
    most recent few dozen.

    \b
    Examples:
      tiendo report amendments --period 2025
      tiendo report amendments --period 2025-Q2 --cut-off 2025-07-05 --json
    """
    builder = ReportBuilder(runtime(ctx).existing_engine)
    cutoff = builder.cutoff_at(cut_off, prove=False) if cut_off is not None else builder.latest_cutoff(prove=False)
    found = builder.amendments(period, cutoff)
    if as_json:
        echo_json(dict(period=period.code, cutoff=dict(at=cutoff.at, seq=cutoff.seq),
                        amendments=[plain(a) for a in found]))
        return
    t = Texts(lang)
    for a in found:
        click.echo("\t".join((t.day(a.reported_on), a.agency_id, a.target_id, t[a.kind], a.event_id,
                              f"{t.figure(a.before)} → {t.figure(a.after)}", a.reporter_name)))
    click.echo(f"{len(found)} corrections and retractions sent during {period.code} "
               f"(ledger up to entry {cutoff.seq})", err=True)


@report.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", "ledger_pub", type=click.Path(dir_okay=False, path_type=Path),
              help="The ledger's public key file, which signs tree heads (default: this machine's, "
                   "<data dir>/keys/ledger.pub.pem; `tiendo ledger key` prints it).")
@click.option("--reports-key", "reports_pub", type=click.Path(dir_okay=False, path_type=Path),
              help="The reports key's public key file, which signs reports (default: this machine's, "
                   "<data dir>/keys/reports.pub.pem).")
@_JSON
@click.pass_context
def verify(ctx, file, ledger_pub, reports_pub, as_json):
    """Check a report: its signature, the Merkle proof of its cut-off, and everything it
    shows against a rebuild from the ledger.

    Checks the document's signature by the reports key (the PDF's PAdES signature, which
    also catches anything added after it, an annotation included; for Markdown and HTML
    the detached <file>.sig, when it is there); that the tree head it carries is signed by
    the ledger key, that its tree is a prefix of that head, that today's ledger still
    extends the head and that the entries up to the cut-off fold to the report's root;
    that the hash chains are intact up to the cut-off; and that every figure, table and
    chart equals a rebuild. Each failure is named. Exits with status 1 when it does not
    match.

    \b
    Examples:
      tiendo report verify data/reports/tiendo-2025-Q2-vi.pdf
      tiendo report verify tiendo-2025-Q2-vi.md --public-key ledger.pub.pem --reports-key reports.pub.pem --json
    """
    settings = runtime(ctx).settings
    keys = PublicKeys(ledger=_public_key(load_public_key_file, ledger_pub or public_path(settings.ledger_key_path),
                                         "--public-key"),
                      reports=_public_key(load_reports_public_key_file,
                                          reports_pub or public_path(settings.reports_key_path), "--reports-key"))
    try:
        verdict = verify_file(ReportBuilder(runtime(ctx).existing_engine), file, keys)
    except NotAReport as exc:
        raise click.ClickException(str(exc)) from None
    tree = verdict.tree
    if as_json:
        echo_json(dict(file=str(file), format=verdict.format, period=verdict.period, lang=verdict.lang,
                        cutoff_seq=verdict.cutoff_seq, tree=tree, signature=verdict.signature,
                        matches=verdict.matches, same_bytes=verdict.same_bytes, problems=verdict.problems,
                        notes=verdict.notes))
    elif verdict.matches:
        how = "; byte-identical to a rebuild" if verdict.same_bytes else "; its text and charts equal a rebuild's"
        proof = (f"Merkle tree of {tree['size']} entries under the signed head of {tree['head']['tree_size']}"
                 if isinstance(tree, dict) else "no entry yet")
        signed = {"valid": "signed by the reports key", "absent": "not signed"}[verdict.signature]
        click.echo(f"{file}: matches the ledger (period {verdict.period}, entries up to {verdict.cutoff_seq}, "
                   f"{proof}; {signed}{how})")
    else:
        click.echo(f"{file}: DOES NOT MATCH the ledger (period {verdict.period}, entries up to "
                   f"{verdict.cutoff_seq}):")
        for problem in verdict.problems:
            click.echo(f"  - {problem}")
    if not as_json:
        for note in verdict.notes:
            click.echo(f"  note: {note}")
    if not verdict.matches:
        ctx.exit(1)


def _public_key(load: Callable[[Path], tuple[str, bytes]], path: Path, option: str) -> tuple[str, bytes]:
    try:
        return load(path)
    except ValueError as exc:
        raise click.ClickException(f"{exc} (give the key file with {option})") from None


def _reports_key(settings: Settings) -> ReportsKey:
    """The reports key, or one line saying why its file cannot be used (not a traceback)."""
    try:
        return reports_key(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@report.command("list")
@_JSON
@click.pass_context
def list_reports(ctx, as_json):
    """List the scheduled reports recorded in the database, oldest first.

    \b
    Example:
      tiendo report list --json
    """
    records = ReportStore(runtime(ctx).existing_engine).all()
    if as_json:
        echo_json(dict(reports=[vars(r) for r in records]))
        return
    if not records:
        click.echo("no scheduled report yet (see: tiendo report run)")
        return
    echo_table(["period", "lang", "state", "entries up to", "cut-off (UTC)"],
               [[r.period, r.lang, "announced" if r.published_at else ("built" if r.built_at else "building"),
                 r.cutoff_seq, f"{as_utc(r.cutoff_at):%Y-%m-%d %H:%M:%S}"] for r in records])


report.add_command(deliver)
