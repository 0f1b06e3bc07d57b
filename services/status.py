"""`tiendo status`: what an operator checks first. It answers in seconds with what it
can reach: the database part always (it must exist: status never creates one), the
broker's end offsets (and so the consumer lag) when the broker answers within
STATUS_BROKER_TIMEOUT_MS, else the broker marked unreachable."""

from __future__ import annotations

import click

from shared.db.dead_letters import DeadLetterStore
from shared.db.ledger import LedgerStore
from shared.kafka import BrokerUnavailable
from shared.presentation.cli import echo_json, json_option

STATUS_BROKER_TIMEOUT_MS = 5_000
"""How long status waits for the broker (the workers' TIENDO_KAFKA_TIMEOUT_MS, 30 s by
default, is for a broker that is restarting; an operator asking for status wants an answer)."""


def _end_offsets(runtime, topics: list[str]) -> tuple[dict[str, dict[int, int]], dict]:
    """The end offsets of ``topics``, and what to say of the broker: asked once, with a
    short timeout, and not again once it failed."""
    from shared.kafka import Broker  # kafka-python loads when status runs, not when `tiendo --help` lists it

    settings = runtime.settings
    broker = Broker(settings.kafka_bootstrap_servers, client_id="tiendo-status",
                    bootstrap_timeout_ms=min(settings.kafka_timeout_ms, STATUS_BROKER_TIMEOUT_MS),
                    credentials=settings.kafka_credentials)
    ends: dict[str, dict[int, int]] = {}
    try:
        for topic in topics:
            ends[topic] = broker.end_offsets(topic)
    except BrokerUnavailable as exc:
        return {}, dict(bootstrap_servers=settings.kafka_bootstrap_servers, reachable=False, error=str(exc))
    return ends, dict(bootstrap_servers=settings.kafka_bootstrap_servers, reachable=True, error=None)


def collect_status(runtime) -> dict:
    """Consumer lag per group and partition, ledger size and chain heads, the Merkle tree
    and its newest signed head, dead letters, and whether the broker answered (lag and
    end offsets are None when it did not)."""
    ledger = LedgerStore(runtime.existing_engine)
    stored = ledger.all_tracked_offsets()
    # The progress topic when no worker has consumed yet: the broker is asked all the same.
    topics = sorted({topic for offsets in stored.values() for topic, _ in offsets}) or [
        runtime.settings.topics.progress]
    ends, broker = _end_offsets(runtime, topics)
    groups = []
    for group, offsets in sorted(stored.items()):
        parts = []
        for (topic, partition), offset in sorted(offsets.items()):
            end = ends[topic].get(partition, offset) if topic in ends else None
            parts.append(dict(topic=topic, partition=partition, offset=offset, end=end,
                              lag=None if end is None else max(0, end - offset)))
        lags = [p["lag"] for p in parts]
        groups.append(dict(group=group, lag=None if None in lags else sum(lags), partitions=parts))
    heads = ledger.chain_heads()
    newest = ledger.tree.latest_head()
    return dict(
        tree=dict(size=ledger.tree.size(), newest_head=newest and dict(
            tree_size=newest.tree_size, timestamp=newest.timestamp, key_id=newest.key_id)),
        ledger=dict(entries=ledger.ledger_size(), head_seq=ledger.head_seq(), chains=len(heads),
                    heads={a: dict(position=h.chain_pos, hash=h.hash) for a, h in sorted(heads.items())}),
        consumer_groups=groups,
        dead_letters=DeadLetterStore(runtime.existing_engine).counts_by_reason(),
        broker=broker,
    )


@click.command()
@json_option()
@click.option("--heads", is_flag=True, help="Also list every chain head hash.")
@click.pass_context
def status(ctx, as_json, heads):
    """Show consumer lag, ledger size and chain heads, and dead letters by reason. With
    the broker down it still shows the database's part, and says the broker is
    unreachable (after at most a few seconds).

    \b
    Example:
      tiendo status --json
    """
    s = collect_status(ctx.find_root().obj)
    if as_json:
        echo_json(s)
        return
    lg = s["ledger"]
    click.echo(f"Ledger: {lg['entries']} entries, {lg['chains']} agency chains, head seq {lg['head_seq']}")
    tree, newest = s["tree"], s["tree"]["newest_head"]
    click.echo(f"Merkle tree: {tree['size']} leaves; " + (
        f"newest signed head: {newest['tree_size']} leaves at {newest['timestamp'].isoformat()} "
        f"({tree['size'] - newest['tree_size']} entries not yet under a head)" if newest else "no signed head yet"))
    if heads:
        for agency, h in lg["heads"].items():
            click.echo(f"  {agency:<24} #{h['position']:<6} {h['hash']}")
    if not s["broker"]["reachable"]:
        click.echo(f"Broker: unreachable ({s['broker']['error']}); lag unknown")
    click.echo("Consumer lag:")
    if not s["consumer_groups"]:
        click.echo("  (no worker has consumed anything yet)")
    for g in s["consumer_groups"]:
        click.echo(f"  {g['group']}: " + ("? behind" if g["lag"] is None else f"{g['lag']} behind"))
        for p in g["partitions"]:
            end, lag = ("?", "?") if p["end"] is None else (p["end"], p["lag"])
            click.echo(f"    {p['topic']}[{p['partition']}] offset {p['offset']} / {end} (lag {lag})")
    click.echo("Dead letters:" + ("" if s["dead_letters"] else " none"))
    for reason, n in s["dead_letters"].items():
        click.echo(f"  {reason:<28} {n}")
