"""`tiendo simulate`: every ministry and province reports its year through the real broker."""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import click

from shared.clock import vietnam_today
from shared.db.keys import KeyStore
from shared.presentation.cli import Day, echo_json, json_option, runtime
from shared.presentation.figures import number

from services.simulate.keys import dry_run_keys, store_keys
from services.simulate.plan import MAX_SCALE, Config, Plan
from services.simulate.run import expectations, simulate as run_plan
from services.simulate.trajectories import Truth


@click.command()
@click.option("--seed", type=int, default=7, show_default=True, help="Seed: the same seed sends the same events.")
@click.option("--scale", type=float, default=1.0, show_default=True,
              help=f"1 = monthly reports (a few thousand events); 4 weekly, 30 daily, more for several a day "
                   f"(millions at a few hundred; at most {MAX_SCALE:g}); below 1, fewer.")
@click.option("--year", type=int, default=2025, show_default=True, help="The year to simulate.")
@click.option("--until", type=Day(),
              help="Send only what agencies would have sent by this day (default: today in Vietnam).")
@click.option("--dry-run", is_flag=True,
              help="Touch neither the broker nor the database; sign with keys derived from the seed.")
@click.option("--out", type=click.File("w", encoding="utf-8", lazy=True),
              help="Also write every message as a JSON line (key, value, expected outcome).")
@click.option("--expectations", "expectations_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write what the ledger and dead letters must hold afterwards (JSON).")
@json_option()
@click.pass_context
def simulate(ctx, seed, scale, year, until, dry_run, out, expectations_path, as_json):
    """Stand in for the agency systems: every ministry and province reports its YEAR.

    The 2024 baseline first (every figure on 2024-12-31, and the milestones already
    reached), then monthly figures and milestones for every applicable target, each event
    signed with its agency's key, through the 2025 reorganisations (ministries on
    2025-03-01, provinces on 2025-07-01), along paths anchored on the seeds on their days:
    the 2024 results on 2024-12-31 (essential services 54/76, procedures simplified
    898/1,084, fee resolutions 63/63), 54/76 on 2025-02-06, and on 2025-03-18 58/76
    essential services and 98 % of civil-registry records digitised. With
    real life's mess: late reports, silent agencies, re-sends, corrections, retractions,
    and malformed and forged events, each listed in --expectations with the reason code
    its dead letter must carry.

    \b
    Examples:
      tiendo simulate --expectations sim.json && tiendo ingest run --until-idle
      tiendo simulate --scale 300 --until 2025-06-30 --json
      tiendo simulate --dry-run --scale 0.05 --out events.jsonl
    """
    today = vietnam_today()
    last = until or today
    if last > today:
        raise click.ClickException(f"--until {last} is after today ({today}): agencies cannot report the future")
    try:
        config = Config(seed=seed, scale=scale, year=year, until=last)
        truth = Truth(seed, year)
    except ValueError as exc:  # an unsupported year, a scale out of range
        raise click.ClickException(str(exc)) from None
    agency_ids = [a.id for a in truth.agencies]
    with ExitStack() as stack:
        if dry_run:
            keys, issued, topic = dry_run_keys(seed, agency_ids), 0, None

            def send(key, value):
                """A dry run sends nothing."""
        else:
            rt = runtime(ctx)
            keys, issued = store_keys(KeyStore(rt.engine), seed, agency_ids)
            topic = rt.settings.topics.progress
            rt.broker.ensure_topics(rt.settings.topics.all(), rt.settings.partitions, rt.settings.topics.configs())
            producer = rt.broker.producer()
            stack.callback(producer.close)

            def send(key, value):
                producer.send(topic, key, value)
        days = (min(truth.end, last) - truth.baseline).days + 1
        bar = stack.enter_context(click.progressbar(length=days, label=f"Simulating {year}", file=sys.stderr,
                                                    hidden=as_json, item_show_func=lambda d: d and str(d)))
        plan = Plan(config, keys, truth, on_day=lambda day: bar.update(1, day))
        started = time.perf_counter()
        tally = run_plan(plan, send, out)
    seconds = time.perf_counter() - started
    if expectations_path is not None:
        expectations_path.parent.mkdir(parents=True, exist_ok=True)
        expectations_path.write_text(json.dumps(expectations(plan, tally), ensure_ascii=False, indent=1) + "\n",
                                     encoding="utf-8")
    result = dict(seed=seed, scale=scale, year=year, until=last.isoformat(), dry_run=dry_run, topic=topic,
                  agencies=len(agency_ids), keys_issued=issued, **tally.summary(),
                  seconds=round(seconds, 3), messages_per_second=round(tally.messages / seconds) if seconds else None,
                  expectations=str(expectations_path) if expectations_path else None)
    if as_json:
        echo_json(result)
        return
    where = "nothing (dry run)" if dry_run else topic
    click.echo(f"simulated {year} (seed {seed}, scale {number(scale, 'en')}, until {last}): "
               f"{number(tally.messages, 'en')} messages to {where}")
    click.echo(f"  ledger must gain {number(result['ledger']['events'], 'en')} events; "
               f"{number(tally.duplicates, 'en')} re-sends to ignore; {number(len(tally.rejected), 'en')} bad events "
               f"for the dead letters ({len(tally.by_reason)} reasons)")
    click.echo(f"  {len(agency_ids)} agencies, {issued} keys issued; {number(seconds, 'en', 1)} s, "
               f"{number(result['messages_per_second'] or 0, 'en')} messages/s")
    if expectations_path is not None:
        click.echo(f"  expectations: {expectations_path}")
