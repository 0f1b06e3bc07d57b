"""Two scorer instances in one consumer group, one killed (SIGKILL) midway, end with the
same projections as a single instance — and as `scorer rebuild`."""

from __future__ import annotations

import random
import signal
from datetime import date, timedelta

from sqlalchemy import insert, select

from shared.db.ledger import LedgerStore
from shared.db.schema import ledger_entries
from shared.domain.agencies import all_agencies
from shared.scoring.world import DomainWorld

from services.scorer.replay import rebuild
from services.scorer.worker import ScorerWorker
from tests.factories import event_dict
from tests.integration.pipeline import members_with_partitions, start_worker, wait_for
from tests.integration.scorer_support import PROJECTOR, LedgerFeed

TODAY = date(2025, 7, 15)
TARGETS = ["online_dossier_rate", "dossiers_with_personal_id", "civil_registry_digitised", "procedures_local_data",
           "essential_services", "direction_indicators"]


def _events(n: int, seed: int = 3) -> list[dict]:
    """`n` events over every agency and several targets, with corrections and retractions."""
    rng = random.Random(seed)
    world = DomainWorld()
    agencies = list(all_agencies())
    sent: list[dict] = []
    out: list[dict] = []
    for i in range(n):
        if sent and rng.random() < 0.12:
            base = rng.choice(sent)
            if rng.random() < 0.3:
                out.append(event_dict(base["agency_id"], base["target_id"], kind="retraction", amends=base["event_id"],
                                      observed_at=base["observed_at"], event_id=f"r{i}"))
                sent.remove(base)
                continue
            d = dict(base, kind="correction", amends=base["event_id"], event_id=f"c{i}")
            d.pop("reported_at")
            out.append(event_dict(**{k: v for k, v in d.items() if k not in ("schema_version", "reporter")}))
            continue
        agency = rng.choice(agencies)
        start = max(agency.valid_from or date(2025, 1, 1), date(2025, 1, 1))
        end = min(agency.valid_to or TODAY, TODAY)
        day = start + timedelta(days=rng.randint(0, (end - start).days))
        target = world.targets_on(day)[rng.choice(TARGETS)]
        if not world.applies(target, agency.id):
            continue
        if target.kind == "ratio":
            den = rng.randint(50, 5000)
            figure = {"type": "ratio", "numerator": rng.randint(0, den), "denominator": den}
            kind = "measurement"
        elif target.kind == "count":
            figure, kind = {"type": "count", "count": rng.randint(0, 250)}, "measurement"
        else:
            done = rng.random() < 0.5
            figure = {"type": "milestone", "done": done, **({"done_on": day.isoformat()} if done else {})}
            kind = "milestone"
        d = event_dict(agency.id, target.id, kind=kind, observed_at=day.isoformat(), figure=figure, event_id=f"e{i}")
        out.append(d)
        sent.append(d)
    return out


def test_two_instances_one_killed_midway_match_a_single_instance(settings, env_for, tmp_path):
    settings = settings.model_copy(update=dict(partitions=6))
    env_for = dict(env_for, TIENDO_PARTITIONS="6")
    feed = LedgerFeed(settings)
    stored = feed.append(_events(6000))
    assert len(stored) > 4000
    # The first part published, both instances at work on it (each holding partitions),
    # one killed, then the rest: the kill is midway however fast the machine.
    part = len(stored) * 2 // 5
    feed.publish(stored[:part])
    args = ("scorer", "run", "--today", TODAY.isoformat(), "--batch-size", "100")
    first = start_worker(env_for, *args)
    second = start_worker(env_for, *args)
    try:
        wait_for(lambda: members_with_partitions(settings, "scorer") == 2 and feed.store.observation_count() > 0,
                 300, "both instances to hold partitions and start scoring")
        first.kill()
        first.wait()
        killed_at = feed.store.observation_count()
        feed.publish(stored[part:])
        assert killed_at < len(stored), "the first instance must die midway"
        group = settings.group("scorer")

        def caught_up():
            ends = feed.broker.end_offsets(settings.topics.ledger)
            stored_offsets = LedgerStore(feed.engine).all_tracked_offsets().get(group, {})
            return all(stored_offsets.get((settings.topics.ledger, p), 0) >= e for p, e in ends.items())

        wait_for(caught_up, 300, "the survivor to take over the dead instance's partitions")
        wait_for(lambda: feed.store.observation_count() == len(stored), 30, "every entry to be applied")
    finally:
        second.send_signal(signal.SIGINT)
        second.wait(timeout=60)
        if first.poll() is None:
            first.kill()
    assert second.returncode == 0, second.stderr.read().decode()
    two_instances = feed.store.projection_rows()
    assert feed.store.state()[1] == TODAY

    # A single instance on its own database, consuming the same ledger topic from the start.
    # Its database holds the same ledger rows: the scorer applies only ledger messages its
    # ledger table holds with the same hash.
    single = LedgerFeed(settings.model_copy(update=dict(database_url=f"sqlite:///{tmp_path / 'single.db'}")))
    with feed.engine.connect() as source, single.engine.begin() as target:
        target.execute(insert(ledger_entries), [dict(r._mapping) for r in source.execute(select(ledger_entries))])
    worker = ScorerWorker(single.settings, single.broker, single.store, PROJECTOR, today=lambda: TODAY)
    worker.group = f"{settings.topic_prefix}.scorer-single"
    worker.run(until_idle=True)
    assert worker.stats.applied == len(stored)
    assert single.store.projection_rows() == two_instances

    rebuild(feed.store, feed.ledger, PROJECTOR, TODAY)
    assert feed.store.projection_rows() == two_instances
    alerts = feed.store.alerts()
    assert len({(a["agency_id"], a["target_id"], a["threshold"]) for a in alerts}) == len(alerts)
    single.dispose()
    feed.dispose()
