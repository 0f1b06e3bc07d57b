"""Click commands of the ledger: verify it, print its key and heads, hand out proofs and
check them (docs/audit.md). A thin shell over shared/ and services/ingest/proving.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from shared.db.keys import KeyStore
from shared.db.ledger import LedgerStore
from shared.db.tree_audit import extends_head, tree_problems
from shared.domain.audit import entry_check
from shared.domain.chain import first_break
from shared.domain.keyring import chain_problem, fold_keys
from shared.domain.proofs import check_proof
from shared.domain.signing import public_key_pem
from shared.domain.tree_head import TreeHead, key_id_of, parse_verifier_key, verifier_key
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, load_public_key_file, public_path
from shared.presentation.cli import AgencyId, echo_json, json_option, runtime
from shared.presentation.figures import number

from services.ingest.proving import ProofUnavailable, prove_consistency, prove_inclusion, signed_head


@click.group()
def ledger() -> None:
    """Inspect the append-only ledger: verify it, its key, tree heads and proofs.

    \b
    Example:
      tiendo ledger verify --against kept-head.json
    """


def _emit(data: dict, as_json: bool, text: str) -> None:
    if as_json:
        echo_json(data)
    else:
        click.echo(text)


@ledger.command("key")
@json_option()
@click.pass_context
def key_(ctx, as_json):
    """Print the ledger's public key: what auditors check tree heads and proofs against.

    The private key stays in the operator's 0600 file (TIENDO_LEDGER_KEY, default
    <data dir>/keys/ledger.key.pem), created here on first use; publish this output.

    \b
    Example:
      tiendo ledger key > ledger-key.txt
    """
    path = runtime(ctx).settings.ledger_key_path
    try:
        key = OperatorKey.load_or_create(path, LEDGER_KEY_NAME)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    pem = public_key_pem(key.public_key).decode()
    data = dict(name=key.name, key_id=key_id_of(key.name, key.public_key),
                verifier_key=verifier_key(key.name, key.public_key), public_key_pem=pem,
                public_key_file=str(public_path(path)))
    _emit(data, as_json, f"name: {data['name']}\nkey_id: {data['key_id']}\nverifier key (signed note): "
                         f"{data['verifier_key']}\npublic key file: {data['public_key_file']}\n{pem.rstrip()}")


@ledger.command("head")
@click.option("--tree-size", type=click.IntRange(min=1), help="The head issued at this size (default: the newest).")
@click.option("--note", "as_note", is_flag=True, help="Print the head as a signed note (C2SP checkpoint).")
@json_option()
@click.pass_context
def head(ctx, tree_size, as_note, as_json):
    """Print a signed tree head: the ledger's size and Merkle root, signed by its key.

    \b
    Examples:
      tiendo ledger head --json > kept-head.json
      tiendo ledger head --tree-size 1000 --note
    """
    try:
        h = signed_head(LedgerStore(runtime(ctx).existing_engine).tree, tree_size)
    except ProofUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    if as_note:
        click.echo(h.note(), nl=False)
        return
    _emit(h.to_json(), as_json, f"tree size {h.tree_size}, root {h.root_hash.hex()}, signed "
                                f"{h.to_json()['timestamp']} by {h.key_id}")


@ledger.command()
@click.argument("agency_id", type=AgencyId())
@click.argument("event_id")
@click.option("--tree-size", type=click.IntRange(min=1), help="Under the head issued at this size (default: the newest).")
@json_option()
@click.pass_context
def prove(ctx, agency_id, event_id, tree_size, as_json):
    """Prove that an agency's event is in the ledger: its inclusion proof under a signed head.

    \b
    Examples:
      tiendo ledger prove ha-noi hn-2025-0042 --json > proof.json
      tiendo ledger check-proof proof.json --public-key ledger.pub.pem
    """
    try:
        proof = prove_inclusion(LedgerStore(runtime(ctx).existing_engine), agency_id, event_id, tree_size)
    except ProofUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    _emit(proof.to_json(), as_json, f"event {event_id} of {agency_id} is leaf {proof.leaf_index} of the tree of "
                                    f"{proof.tree_head.tree_size} leaves (audit path of {len(proof.audit_path)} "
                                    "hashes); --json writes the proof file")


@ledger.command()
@click.argument("from_size", type=click.IntRange(min=1))
@click.argument("to_size", type=click.IntRange(min=1), required=False)
@json_option()
@click.pass_context
def consistency(ctx, from_size, to_size, as_json):
    """Prove that the ledger of one signed head only grew into that of a later head.

    FROM_SIZE and TO_SIZE are sizes at which heads were issued (TO_SIZE: the newest).

    \b
    Example:
      tiendo ledger consistency 10000 --json > grew.json
    """
    try:
        proof = prove_consistency(LedgerStore(runtime(ctx).existing_engine).tree, from_size, to_size)
    except ProofUnavailable as exc:
        raise click.ClickException(str(exc)) from exc
    _emit(proof.to_json(), as_json, f"the tree of {proof.old.tree_size} leaves is a prefix of the tree of "
                                    f"{proof.new.tree_size} (proof of {len(proof.path)} hashes); --json writes it")


def _ledger_public_key(public_key: Path | None, verifier: str | None, ctx) -> tuple[str, bytes]:
    """The key to check against: a public key file, a verifier key, or the local ledger's."""
    try:
        if verifier:
            return parse_verifier_key(verifier)
        if public_key is None:
            public_key = public_path(runtime(ctx).settings.ledger_key_path)
        return load_public_key_file(public_key)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


_KEY_OPTIONS = [
    click.option("--public-key", type=click.Path(dir_okay=False, path_type=Path),
                 help="The ledger's public key file (ledger.pub.pem; default: this machine's)."),
    click.option("--verifier-key", help="The ledger's signed-note verifier key, as `tiendo ledger key` prints it."),
]


def _key_options(f):
    for option in reversed(_KEY_OPTIONS):
        f = option(f)
    return f


@ledger.command("check-proof")
@click.argument("file", type=click.File("rb"))
@_key_options
@json_option()
@click.pass_context
def check_proof_(ctx, file, public_key, verifier_key, as_json):
    """Check a proof file with nothing but it and the ledger's public key (no database, no
    broker): exit 0 when it proves what it says, 1 naming what is wrong.

    \b
    Example:
      tiendo ledger check-proof proof.json --public-key ledger.pub.pem
    """
    name, raw = _ledger_public_key(public_key, verifier_key, ctx)
    try:
        data = json.loads(file.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name} is not JSON: {exc}") from exc
    problems = check_proof(data, name, raw) if isinstance(data, dict) else ["the file is not a JSON object"]
    what = data.get("kind", "?") if isinstance(data, dict) else "?"
    if as_json:
        echo_json(dict(ok=not problems, kind=what, problems=problems))
    elif not problems:
        click.echo(f"{file.name}: the proof holds ({what}, signed by {key_id_of(name, raw)})")
    for p in problems if not as_json else ():
        click.echo(f"{file.name}: {p}", err=True)
    if problems:
        ctx.exit(1)


def _kept_head(path: Path) -> TreeHead:
    """A head from a file: a head's JSON, or any JSON holding one under ``tree_head``."""
    try:
        data = json.loads(path.read_bytes())
        return TreeHead.from_json(data.get("tree_head", data))
    except (OSError, ValueError, AttributeError) as exc:
        raise click.ClickException(f"{path} holds no signed tree head: {exc}") from exc


@ledger.command()
@click.option("--against", "against", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A signed tree head kept earlier (`ledger head --json`): prove the ledger still extends it.")
@_key_options
@json_option()
@click.pass_context
def verify(ctx, against, public_key, verifier_key, as_json):
    """Check the whole ledger; exit 1 naming the first entry that does not match.

    Every agency's hash chain (content and recorded time); every column against the
    entry's payload; every agency signature against the key registered for that agency
    at the entry's recorded time; the key registry's own hash chain; and the Merkle
    tree: every leaf against its entry, and the root of every issued head.
    With --against, also that the ledger extends that head: a deleted, truncated or
    rewritten entry below it is named.

    \b
    Examples:
      tiendo ledger verify --json
      tiendo ledger verify --against kept-head.json --public-key ledger.pub.pem
    """
    rt = runtime(ctx)
    store = LedgerStore(rt.existing_engine)
    key_events = KeyStore(rt.existing_engine).events()
    size = store.ledger_size()
    registry_problem = chain_problem(key_events)
    with click.progressbar(store.chain_rows(), length=size, label="Verifying chains", file=sys.stderr,
                           hidden=as_json or size < 10_000) as rows:
        bad = first_break(rows, entry_check(fold_keys(key_events)))
    problems = [p for p in (registry_problem, bad and bad.describe()) if p]
    # The issued heads' signatures are checked when a key is given or this machine has the
    # ledger's; without one, their roots still are.
    keyed = against or public_key or verifier_key or public_path(rt.settings.ledger_key_path).exists()
    name, raw = _ledger_public_key(public_key, verifier_key, ctx) if keyed else (None, None)
    leaves = store.tree.size()
    with click.progressbar(length=leaves, label="Checking the Merkle tree", file=sys.stderr,
                           hidden=as_json or leaves < 10_000) as bar:
        problems += tree_problems(store, name, raw, on_leaves=bar.update)
    if against is not None:
        kept = _kept_head(against)
        # What the tree check above said already is not said twice.
        problems += [p for p in _against(store, kept, name, raw, as_json) if p not in problems]
    if as_json:
        echo_json(dict(ok=not problems, entries=size, key_events=len(key_events),
                        key_registry_problem=registry_problem, problems=problems,
                        first_bad=None if bad is None else dict(vars(bad), description=bad.describe())))
    elif not problems:
        click.echo(f"ledger: {number(size, 'en')} entries, every chain, column and signature verifies, and so does "
                   f"its Merkle tree of {number(leaves, 'en')} leaves; key registry: {len(key_events)} events verify"
                   + (f"; it extends the kept head of {number(kept.tree_size, 'en')} leaves" if against else ""))
    for p in problems if not as_json else ():
        click.echo(f"ledger: {p}", err=True)
    if problems:
        ctx.exit(1)


def _against(store: LedgerStore, kept: TreeHead, name: str, raw: bytes, quiet: bool) -> list[str]:
    with click.progressbar(length=kept.tree_size, label="Checking the kept head", file=sys.stderr,
                           hidden=quiet or kept.tree_size < 10_000) as bar:
        return extends_head(store, kept, name, raw, on_leaves=bar.update)
