"""`tiendo status`: what an operator checks first."""

from __future__ import annotations

import json

import click

from shared.db.dead_letters import DeadLetterStore
from shared.db.ledger import LedgerStore


def collect_status(runtime) -> dict:
    """Consumer lag per group and partition, ledger size and chain heads, the Merkle tree
    and its newest signed head, dead letters."""
    ledger = LedgerStore(runtime.engine)
    stored = ledger.all_tracked_offsets()
    ends: dict[str, dict[int, int]] = {}
    groups = []
    for group, offsets in sorted(stored.items()):
        parts = []
        for (topic, partition), offset in sorted(offsets.items()):
            if topic not in ends:
                ends[topic] = runtime.broker.end_offsets(topic)
            end = ends[topic].get(partition, offset)
            parts.append(dict(topic=topic, partition=partition, offset=offset, end=end, lag=max(0, end - offset)))
        groups.append(dict(group=group, lag=sum(p["lag"] for p in parts), partitions=parts))
    heads = ledger.chain_heads()
    newest = ledger.tree.latest_head()
    return dict(
        tree=dict(size=ledger.tree.size(), newest_head=newest and dict(
            tree_size=newest.tree_size, timestamp=newest.to_json()["timestamp"], key_id=newest.key_id)),
        ledger=dict(entries=ledger.ledger_size(), head_seq=ledger.head_seq(), chains=len(heads),
                    heads={a: dict(position=h.chain_pos, hash=h.hash) for a, h in sorted(heads.items())}),
        consumer_groups=groups,
        dead_letters=DeadLetterStore(runtime.engine).counts_by_reason(),
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--heads", is_flag=True, help="Also list every chain head hash.")
@click.pass_context
def status(ctx, as_json, heads):
    """Show consumer lag, ledger size and chain heads, and dead letters by reason.

    \b
    Example:
      tiendo status --json
    """
    s = collect_status(ctx.find_root().obj)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    lg = s["ledger"]
    click.echo(f"Ledger: {lg['entries']} entries, {lg['chains']} agency chains, head seq {lg['head_seq']}")
    tree, newest = s["tree"], s["tree"]["newest_head"]
    click.echo(f"Merkle tree: {tree['size']} leaves; " + (
        f"newest signed head: {newest['tree_size']} leaves at {newest['timestamp']} "
        f"({tree['size'] - newest['tree_size']} entries not yet under a head)" if newest else "no signed head yet"))
    if heads:
        for agency, h in lg["heads"].items():
            click.echo(f"  {agency:<24} #{h['position']:<6} {h['hash']}")
    click.echo("Consumer lag:")
    if not s["consumer_groups"]:
        click.echo("  (no worker has consumed anything yet)")
    for g in s["consumer_groups"]:
        click.echo(f"  {g['group']}: {g['lag']} behind")
        for p in g["partitions"]:
            click.echo(f"    {p['topic']}[{p['partition']}] offset {p['offset']} / {p['end']} (lag {p['lag']})")
    click.echo("Dead letters:" + ("" if s["dead_letters"] else " none"))
    for reason, n in s["dead_letters"].items():
        click.echo(f"  {reason:<28} {n}")
