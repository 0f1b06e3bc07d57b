"""Click commands of the ingest side: ingest, ledger, dlq and agency keys.
A thin shell: each command parses options, calls library code, prints the outcome."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shared.db.dead_letters import DeadLetterStore
from shared.db.keys import KeyStore
from shared.db.ledger import LedgerStore
from shared.domain.agencies import get_agency
from shared.domain.signing import new_key_id, new_secret
from shared.runtime import Runtime, graceful_stop

from services.ingest.publish import SigningKey, keys_in_dir, publish_lines
from services.ingest.worker import IngestWorker


def _runtime(ctx: click.Context) -> Runtime:
    return ctx.find_root().obj


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# ---- ingest ------------------------------------------------------------------------
@click.group()
def ingest() -> None:
    """Receive progress events: publish files, run the ingest worker."""


@ingest.command()
@click.argument("file", type=click.File("rb"))
@click.option("--key", "keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Agency key file: sign unsigned events with it, as the agency system would.")
@click.option("--keys-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Sign each unsigned event with <DIR>/<agency_id>.key.json when that file exists.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def publish(ctx, file, keyfile, keys_dir, as_json):
    """Send FILE (JSON events, one per line; - for stdin) to the raw progress topic.

    \b
    Examples:
      tiendo ingest publish events.jsonl --key keys/ha-noi.key.json
      tiendo ingest publish all-agencies.jsonl --keys-dir data/keys
    """
    rt = _runtime(ctx)
    if keyfile and keys_dir:
        raise click.UsageError("give --key or --keys-dir, not both")
    try:
        key_for = None
        if keyfile:
            key = SigningKey.load(keyfile)
            key_for = lambda _agency: key  # noqa: E731 - the agency system signs all it sends
        elif keys_dir:
            key_for = keys_in_dir(keys_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    lines = file.readlines()
    producer = rt.broker.producer()
    topic = rt.settings.topics.progress
    with click.progressbar(length=len(lines), label="Publishing", file=sys.stderr,
                           hidden=as_json or len(lines) < 1000) as bar:
        result = publish_lines(lines, producer, topic, key_for, on_sent=bar.update)
    producer.close()
    if as_json:
        _echo_json(dict(topic=topic, sent=result.sent, signed=result.signed, unparsed=result.unparsed))
    else:
        click.echo(f"published {result.sent} events to {topic}" + (f" ({result.signed} signed)" if key_for else ""))


@ingest.command()
@click.option("--until-idle", is_flag=True, help="Stop once every assigned partition is caught up.")
@click.option("--batch-size", default=5000, show_default=True, help="Messages per database transaction.")
@click.option("--json", "as_json", is_flag=True, help="Print the final counts as JSON.")
@click.pass_context
def run(ctx, until_idle, batch_size, as_json):
    """Run the ingest worker: validate, de-duplicate and append events to the ledger.

    \b
    Example:
      tiendo ingest run --until-idle
    """
    rt = _runtime(ctx)
    worker = IngestWorker(rt.settings, rt.broker, LedgerStore(rt.engine), KeyStore(rt.engine), batch_size=batch_size)
    stats = worker.run(until_idle=until_idle, stop=graceful_stop())
    if as_json:
        _echo_json(vars(stats))
    else:
        click.echo(f"ingest: consumed {stats.consumed}, appended {stats.appended}, "
                   f"duplicates {stats.duplicates}, dead letters {stats.dead_letters}")


# ---- ledger ------------------------------------------------------------------------
@click.group()
def ledger() -> None:
    """Inspect the append-only ledger."""


@ledger.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(ctx, as_json):
    """Recompute every agency's hash chain; exit 1 naming the first entry that does not match.

    \b
    Example:
      tiendo ledger verify
    """
    from shared.domain.chain import first_break

    store = LedgerStore(_runtime(ctx).engine)
    bad = first_break(store.chain_rows())
    size = store.ledger_size()
    if as_json:
        _echo_json(dict(ok=bad is None, entries=size,
                        first_bad=None if bad is None else dict(vars(bad), description=bad.describe())))
    elif bad is None:
        click.echo(f"ledger: {size} entries, every chain verifies")
    if bad is not None:
        if not as_json:
            click.echo(f"ledger: {bad.describe()}", err=True)
        ctx.exit(1)


# ---- dead letters -------------------------------------------------------------------
@click.group()
def dlq() -> None:
    """The dead-letter queue: rejected events and their reasons."""


@dlq.command("list")
@click.option("--reason", help="Only this reason code (e.g. bad_signature).")
@click.option("--all", "include_requeued", is_flag=True, help="Include dead letters already requeued.")
@click.option("--limit", type=int, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (original bytes as UTF-8 text where possible).")
@click.pass_context
def dlq_list(ctx, reason, include_requeued, limit, as_json):
    """List dead letters, oldest first.

    \b
    Example:
      tiendo dlq list --reason unknown_agency --json
    """
    rows = DeadLetterStore(_runtime(ctx).engine).list(reason, include_requeued, limit)
    if as_json:
        _echo_json([dict(id=d.id, reason_code=d.reason_code, message=d.message, agency_id=d.agency_id,
                         event_id=d.event_id, source=f"{d.source_topic}[{d.source_partition}]@{d.source_offset}",
                         rejected_at=d.rejected_at, requeued_at=d.requeued_at,
                         original=d.original.decode("utf-8", "replace")) for d in rows])
        return
    if not rows:
        click.echo("no dead letters" + (f" with reason {reason}" if reason else ""))
    for d in rows:
        click.echo(f"{d.id:>6}  {d.reason_code:<28} {d.agency_id or '-':<16} {d.event_id or '-':<24} {d.message}")


@dlq.command()
@click.argument("ids", nargs=-1, type=int, required=True)
@click.pass_context
def requeue(ctx, ids):
    """Send dead letters back to the raw topic (after fixing a key or a registry entry).

    \b
    Example:
      tiendo dlq requeue 17 18
    """
    rt = _runtime(ctx)
    store = DeadLetterStore(rt.engine)
    found = store.get(list(ids))
    missing = sorted(set(ids) - {d.id for d in found})
    if missing:
        raise click.ClickException(f"no dead letter with id {', '.join(map(str, missing))}")
    producer = rt.broker.producer()
    for d in found:
        producer.send(rt.settings.topics.progress, d.original_key, d.original)
    producer.close()
    store.mark_requeued([d.id for d in found])
    click.echo(f"requeued {len(found)} dead letters to {rt.settings.topics.progress}")


# ---- agency keys ----------------------------------------------------------------------
@click.group()
def agency() -> None:
    """Agencies' signing keys."""


@agency.group()
def key() -> None:
    """Issue, rotate and revoke an agency's signing key."""


def _known_agency(agency_id: str) -> str:
    try:
        get_agency(agency_id)
    except KeyError:
        raise click.ClickException(f"unknown agency {agency_id!r} (see: tiendo catalogue agencies)") from None
    return agency_id


def _write_key(ctx, agency_id: str, rotate: bool, out: Path | None) -> None:
    rt = _runtime(ctx)
    store = KeyStore(rt.engine)
    active = [k for k in store.for_agency(agency_id) if k.rotated_at is None and k.revoked_at is None]
    if active and not rotate:
        raise click.ClickException(f"{agency_id} already has key {active[0].key_id}; use `tiendo agency key rotate {agency_id}`")
    k = store.add(new_key_id(agency_id), agency_id, new_secret(), rotate_previous=rotate)
    path = out or rt.settings.data_dir / "keys" / f"{agency_id}.key.json"
    SigningKey(agency_id, k.key_id, k.secret).dump(path)
    click.echo(f"{'rotated' if rotate else 'issued'} key {k.key_id} for {agency_id}; key file: {path}")


@key.command()
@click.argument("agency_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the key file.")
@click.pass_context
def issue(ctx, agency_id, out):
    """Issue the first signing key of AGENCY_ID and write its key file.

    \b
    Example:
      tiendo agency key issue ha-noi --out keys/ha-noi.key.json
    """
    _write_key(ctx, _known_agency(agency_id), rotate=False, out=out)


@key.command()
@click.argument("agency_id")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the new key file.")
@click.pass_context
def rotate(ctx, agency_id, out):
    """Replace AGENCY_ID's key; the old one still verifies events reported before now.

    \b
    Example:
      tiendo agency key rotate ha-noi --out keys/ha-noi.key.json
    """
    _write_key(ctx, _known_agency(agency_id), rotate=True, out=out)


@key.command()
@click.argument("agency_id")
@click.pass_context
def revoke(ctx, agency_id):
    """Revoke every key of AGENCY_ID: nothing signed with them verifies any more.

    \b
    Example:
      tiendo agency key revoke ha-noi
    """
    n = KeyStore(_runtime(ctx).engine).revoke_all(_known_agency(agency_id))
    click.echo(f"revoked {n} key(s) of {agency_id}")
