"""Crashes never lose or duplicate a ledger entry (issue 4)."""

from __future__ import annotations

import json
import random

from shared.domain.chain import first_break
from tests.integration.pipeline import Pipeline, assert_tree_sound, members_with_partitions, start_worker, wait_for
from tests.integration.streams import AGENCIES, valid_stream


def _assert_exactly(p: Pipeline, expected_ids: set) -> None:
    entries = list(p.ledger.entries())
    assert len(entries) == len(expected_ids), "an entry was lost or duplicated"
    assert {(e.agency_id, e.event_id) for e in entries} == expected_ids
    assert first_break(p.ledger.chain_rows()) is None
    # The ledger topic may carry a re-published entry twice (outbox after a crash), but it
    # holds every committed entry and nothing else.
    announced = {(m["agency_id"], m["chain_pos"], m["hash"])
                 for m in (json.loads(r.value) for r in p.broker.read_all(p.settings.topics.ledger))}
    assert announced == {(e.agency_id, e.chain_pos, e.hash) for e in entries}
    assert_tree_sound(p)


KILLS = 6


def test_sigkill_at_random_moments_during_a_50000_event_stream(settings, env_for):
    """Six times: a part of the stream published, an ingest worker started and SIGKILLed
    at a random point of its work on it (once the ledger has grown past a random size
    within the part), while the rest of the stream is still unpublished; then the last
    part, and one worker until idle. Each kill hits a worker at work, whatever the
    machine's speed: the test waits for sizes, never for times."""
    p = Pipeline(settings)
    keys = {a: p.issue_key(a) for a in AGENCIES}
    stream = valid_stream(50_000, keys)
    rng = random.Random(2025)
    size = -(-len(stream.messages) // (KILLS + 1))
    parts = [stream.messages[i:i + size] for i in range(0, len(stream.messages), size)]
    for part in parts[:-1]:
        p.publish(part)
        # Every event of the stream is new and valid: the worker records the whole part
        # (and what the last one left), so the ledger reaches any size up to this.
        kill_at = p.ledger.ledger_size() + rng.randint(1, len(part) // 2)
        worker = start_worker(env_for, "ingest", "run", "--batch-size", "2000")
        wait_for(lambda: p.ledger.ledger_size() >= kill_at, 300, f"the worker to record {kill_at:,} entries")
        worker.kill()
        worker.wait()
    p.publish(parts[-1])
    final = start_worker(env_for, "ingest", "run", "--until-idle")
    assert final.wait(timeout=600) == 0, final.stderr.read().decode()

    _assert_exactly(p, stream.valid_ids)
    p.dispose()


def test_two_instances_one_killed_midway(settings, env_for):
    """Half the stream published, two instances at work on it (each holding partitions,
    the ledger growing); one SIGKILLed, then the other half published: the survivor takes
    over the dead one's partitions and records everything exactly once."""
    settings = settings.model_copy(update=dict(partitions=6))
    env_for = dict(env_for, TIENDO_PARTITIONS="6")
    p = Pipeline(settings)
    keys = {a: p.issue_key(a) for a in AGENCIES}
    stream = valid_stream(20_000, keys, seed=5)
    half = len(stream.messages) // 2
    p.publish(stream.messages[:half])
    first = start_worker(env_for, "ingest", "run", "--batch-size", "1000")
    second = start_worker(env_for, "ingest", "run", "--batch-size", "1000")
    try:
        wait_for(lambda: members_with_partitions(settings, "ingest") == 2 and p.ledger.ledger_size() > 0, 300,
                 "both instances to hold partitions and the ledger to grow")
        first.kill()
        first.wait()
        p.publish(stream.messages[half:])
        wait_for(lambda: p.ledger.ledger_size() >= len(stream.valid_ids), 600, "the survivor to take over")
    finally:
        first.kill()
        second.terminate()
        assert second.wait(timeout=60) == 0, second.stderr.read().decode()

    _assert_exactly(p, stream.valid_ids)
    p.dispose()
