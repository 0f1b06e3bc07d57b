"""Click commands of the ingest side: ingest, dlq and agency keys (the ledger's: ledger_cli.py).
A thin shell: each command parses options, calls library code, prints the outcome."""

from __future__ import annotations

import getpass
import socket
import sys
from datetime import datetime
from pathlib import Path

import click

from shared.clock import as_utc
from shared.db.dead_letters import DeadLetterStore
from shared.db.keys import KeyRegistryError, KeyStore
from shared.db.ledger import LedgerStore
from shared.domain.keyring import PublicKey
from shared.domain.signing import ALGORITHM, KeyFileError, key_id_for, load_public_key
from shared.domain.temporal import VIETNAM_TZ
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, SigningKey
from shared.presentation.cli import AgencyId, Reason, echo_json, echo_table, json_option, runtime
from shared.presentation.figures import number
from shared.runtime import graceful_stop

from services.ingest.publish import keys_in_dir, publish_lines
from services.ingest.worker import HeadPolicy, IngestWorker


# ---- ingest ------------------------------------------------------------------------
@click.group()
def ingest() -> None:
    """Receive progress events: publish files, run the ingest worker.

    \b
    Example:
      tiendo ingest publish events.jsonl --key keys/ha-noi.key.pem && tiendo ingest run --until-idle
    """


@ingest.command()
@click.argument("file", type=click.File("rb"))
@click.option("--key", "keyfile", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An agency's private key file (<agency>.key.pem): sign unsigned events with it, as the "
                   "agency system would.")
@click.option("--keys-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Sign each unsigned event with <DIR>/<agency_id>.key.pem when that file exists.")
@json_option()
@click.pass_context
def publish(ctx, file, keyfile, keys_dir, as_json):
    """Send FILE (JSON events, one per line; - for stdin) to the raw progress topic:
    figures, corrections, retractions and explanations of late tasks (docs/contract.md §3).

    \b
    Examples:
      tiendo ingest publish events.jsonl --key keys/ha-noi.key.pem
      tiendo ingest publish all-agencies.jsonl --keys-dir keys/
    """
    rt = runtime(ctx)
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
        echo_json(dict(topic=topic, sent=result.sent, signed=result.signed, unparsed=result.unparsed))
    else:
        click.echo(f"published {number(result.sent, 'en')} events to {topic}"
                   + (f" ({number(result.signed, 'en')} signed)" if key_for else ""))


@ingest.command()
@click.option("--until-idle", is_flag=True, help="Stop once every assigned partition is caught up.")
@click.option("--batch-size", default=5000, show_default=True, help="Messages per database transaction.")
@click.option("--replay-clock", is_flag=True,
              help="Record each entry at its own reported_at, not now: only for simulations of a past year "
                   "(the demo, bench, chaos), never for real agencies, which could then choose their time.")
@click.option("--head-every", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Sign a tree head once this many entries are not under one.")
@click.option("--head-interval", default=10.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds after which any entry not under a head gets one, busy or idle.")
@json_option()
@click.pass_context
def run(ctx, until_idle, batch_size, replay_clock, head_every, head_interval, as_json):
    """Run the ingest worker: validate, de-duplicate and append events to the ledger,
    extend its Merkle tree, sign tree heads with the ledger key (TIENDO_LEDGER_KEY,
    created on first use) and send each agency a receipt per recorded event.

    \b
    Example:
      tiendo ingest run --until-idle
    """
    rt = runtime(ctx)
    try:
        ledger_key = OperatorKey.load_or_create(rt.settings.ledger_key_path, LEDGER_KEY_NAME)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    worker = IngestWorker(rt.settings, rt.broker, LedgerStore(rt.engine), KeyStore(rt.engine), batch_size=batch_size,
                          replay_clock=replay_clock,
                          heads=HeadPolicy(ledger_key, every_entries=head_every, every_seconds=head_interval))
    stats = worker.run(until_idle=until_idle, stop=graceful_stop())
    if as_json:
        echo_json(vars(stats))
    else:
        click.echo(f"ingest: consumed {number(stats.consumed, 'en')}, appended {number(stats.appended, 'en')}, "
                   f"duplicates {number(stats.duplicates, 'en')}, dead letters {number(stats.dead_letters, 'en')}")


# ---- dead letters -------------------------------------------------------------------
@click.group()
def dlq() -> None:
    """The dead-letter queue: rejected events and their reasons.

    \b
    Example:
      tiendo dlq list --reason bad_signature
    """


@dlq.command("list")
@click.option("--reason", type=Reason(), help="Only this reason code (e.g. bad_signature).")
@click.option("--all", "include_requeued", is_flag=True, help="Include dead letters already requeued.")
@click.option("--limit", type=int, help="At most this many.")
@json_option("Print JSON for scripts (docs/cli.md; the original bytes as UTF-8 text where possible).")
@click.pass_context
def dlq_list(ctx, reason, include_requeued, limit, as_json):
    """List dead letters, oldest first.

    \b
    Example:
      tiendo dlq list --reason unknown_agency --json
    """
    rows = DeadLetterStore(runtime(ctx).existing_engine).list(reason, include_requeued, limit)
    if as_json:
        echo_json(dict(dead_letters=[
            dict(id=d.id, reason_code=d.reason_code, message=d.message, agency_id=d.agency_id, event_id=d.event_id,
                 source=f"{d.source_topic}[{d.source_partition}]@{d.source_offset}", rejected_at=d.rejected_at,
                 requeued_at=d.requeued_at, original=d.original.decode("utf-8", "replace")) for d in rows]))
        return
    if not rows:
        click.echo("no dead letters" + (f" with reason {reason}" if reason else ""))
        return
    echo_table(["#", "reason", "agency", "event", "message"],
               [[d.id, d.reason_code, d.agency_id or "–", d.event_id or "–", d.message] for d in rows], wrap=(4,))


@dlq.command()
@click.argument("ids", nargs=-1, type=int, required=True)
@json_option()
@click.pass_context
def requeue(ctx, ids, as_json):
    """Send dead letters back to the raw topic (after fixing a key or a registry entry).

    \b
    Example:
      tiendo dlq requeue 17 18 --json
    """
    rt = runtime(ctx)
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
    if as_json:
        echo_json(dict(topic=rt.settings.topics.progress, requeued=[d.id for d in found]))
    else:
        click.echo(f"requeued {len(found)} dead letters to {rt.settings.topics.progress}")


# ---- agency keys ----------------------------------------------------------------------
@click.group()
def agency() -> None:
    """Agencies' signing keys: each agency holds its own private key; Tiến độ registers
    public keys only.

    \b
    Example:
      tiendo agency key new --agency ha-noi --out keys/
      tiendo agency key register ha-noi --public-key keys/ha-noi.pub.pem
    """


@agency.group()
def key() -> None:
    """Generate (agency side), register, rotate, revoke and list signing keys.

    \b
    Example:
      tiendo agency key list ha-noi
    """


def _public_key_file(path: Path, agency_id: str) -> bytes:
    text = path.read_text(encoding="utf-8")
    named = [line.split(": ", 1)[1] for line in text.split("-----BEGIN", 1)[0].splitlines()
             if line.startswith("agency_id: ")]
    if named and named[0] != agency_id:
        raise click.ClickException(f"{path} is {named[0]}'s public key, not {agency_id}'s")
    try:
        return load_public_key(text.encode("utf-8"))
    except KeyFileError as exc:
        raise click.ClickException(f"{path}: {exc}") from None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date or an ISO 8601 time (2025-01-01, "
                                 "2025-01-01T08:00:00+07:00)") from None
    # A bare date or time means Vietnam's: the calendar agencies and operators work in.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=VIETNAM_TZ)


def _operator() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"


_BY = click.option("--by", "actor", help="Who records this (default: the operating-system user @ host).")
_JSON = json_option()


def _key_json(k: PublicKey) -> dict:
    return dict(key_id=k.key_id, agency_id=k.agency_id, algorithm=ALGORITHM, public_key=k.public_key.hex(),
                valid_from=k.valid_from, rotated_at=k.rotated_at, revoked_at=k.revoked_at)


@key.command("new")
@click.option("--agency", "agency_id", required=True, type=AgencyId(), help="The agency the key signs for.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for <agency>.key.pem (private, 0600) and <agency>.pub.pem.")
@_JSON
def new_key(agency_id, out, as_json):
    """Generate a key pair on the agency's own machine. The private key is written 0600 and
    never printed; the public key and the registration request are printed for the
    operator. Needs no database or broker.

    \b
    Example:
      tiendo agency key new --agency ha-noi --out /etc/ha-noi/tiendo
    """
    signing_key = SigningKey.generate(agency_id)
    try:
        private, public = signing_key.dump(out)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc.filename} exists already: a key file is never overwritten") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write the key files: {exc}") from None
    register = f"tiendo agency key register {agency_id} --public-key {public.name}"
    if as_json:
        echo_json(dict(agency_id=agency_id, key_id=signing_key.key_id, algorithm=ALGORITHM,
                        private_key_file=str(private), public_key_file=str(public),
                        public_key=signing_key.public_key.hex(), register=register))
        return
    click.echo(f"private key: {private} (0600; keep it on the agency's system, never send it)")
    click.echo(f"public key:  {public}")
    click.echo(f"key id:      {signing_key.key_id}\n")
    click.echo(public.read_text(encoding="utf-8"))
    click.echo(f"Registration request: send {public.name} to the Tiến độ operator, who runs\n  {register}")


def _register(ctx, agency_id, public_key_file, valid_from, actor, as_json, rotate):
    public_key = _public_key_file(public_key_file, agency_id)
    store = KeyStore(runtime(ctx).engine)
    try:
        k = store.register(key_id_for(agency_id, public_key), agency_id, public_key, actor or _operator(),
                           valid_from=_moment(valid_from), rotate=rotate)
    except KeyRegistryError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(dict(_key_json(k), action="rotated" if rotate else "registered"))
    else:
        click.echo(f"{'rotated to' if rotate else 'registered'} key {k.key_id} for {agency_id}, "
                   f"valid from {as_utc(k.valid_from).isoformat()}")


@key.command()
@click.argument("agency_id", type=AgencyId())
@click.option("--public-key", "public_key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The agency's public key (PEM).")
@click.option("--valid-from", help="From when the key signs (ISO 8601; default: now).")
@_BY
@_JSON
@click.pass_context
def register(ctx, agency_id, public_key_file, valid_from, actor, as_json):
    """Register AGENCY_ID's first public key (recorded append-only, with who and when).

    \b
    Example:
      tiendo agency key register ha-noi --public-key ha-noi.pub.pem --valid-from 2025-01-01
    """
    _register(ctx, agency_id, public_key_file, valid_from, actor, as_json, rotate=False)


@key.command()
@click.argument("agency_id", type=AgencyId())
@click.option("--public-key", "public_key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The agency's new public key (PEM).")
@click.option("--valid-from", help="From when the new key signs and the old stops (ISO 8601; default: now).")
@_BY
@_JSON
@click.pass_context
def rotate(ctx, agency_id, public_key_file, valid_from, actor, as_json):
    """Replace AGENCY_ID's key with a new public key; the old one keeps verifying what was
    received before the new one took over.

    \b
    Example:
      tiendo agency key rotate ha-noi --public-key ha-noi-2026.pub.pem
    """
    _register(ctx, agency_id, public_key_file, valid_from, actor, as_json, rotate=True)


@key.command()
@click.argument("agency_id", type=AgencyId())
@click.option("--key-id", help="Only this key (default: every unrevoked key of the agency).")
@_BY
@_JSON
@click.pass_context
def revoke(ctx, agency_id, key_id, actor, as_json):
    """Revoke AGENCY_ID's keys from now: nothing received afterwards verifies with them.

    \b
    Example:
      tiendo agency key revoke ha-noi
    """
    try:
        revoked = KeyStore(runtime(ctx).engine).revoke(agency_id, actor or _operator(), key_id)
    except KeyRegistryError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(dict(agency_id=agency_id, revoked=revoked))
    else:
        click.echo(f"revoked {len(revoked)} key(s) of {agency_id}" + (f": {', '.join(revoked)}" if revoked else ""))


@key.command("list")
@click.argument("agency_id", required=False, type=AgencyId())
@_JSON
@click.pass_context
def list_keys(ctx, agency_id, as_json):
    """The key registry's history (every registration, rotation and revocation, who and when).

    \b
    Example:
      tiendo agency key list ha-noi --json
    """
    events = [e for e in KeyStore(runtime(ctx).existing_engine).events() if agency_id in (None, e.agency_id)]
    if as_json:
        echo_json(dict(key_events=[
            dict(seq=e.seq, action=e.action.value, key_id=e.key_id, agency_id=e.agency_id, public_key=e.public_key,
                 effective_at=e.effective_at, recorded_at=e.recorded_at, actor=e.actor, hash=e.hash)
            for e in events]))
        return
    echo_table(["#", "recorded (UTC)", "action", "key", "effective (UTC)", "by"],
               [[e.seq, f"{as_utc(e.recorded_at):%Y-%m-%d %H:%M}", e.action.value, e.key_id,
                 f"{as_utc(e.effective_at):%Y-%m-%d %H:%M}", e.actor] for e in events], wrap=(5,))
