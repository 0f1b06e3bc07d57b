"""Crashes never lose or duplicate a ledger entry (issue 4)."""

from __future__ import annotations

import json
import random
import threading
import time

from shared.domain.chain import first_break
from tests.integration.pipeline import Pipeline, assert_tree_sound, start_worker, wait_for
from tests.integration.streams import AGENCIES, valid_stream


def _publish_slowly(p: Pipeline, messages, chunks: int = 20) -> threading.Thread:
    def run():
        size = len(messages) // chunks + 1
        for i in range(0, len(messages), size):
            p.publish(messages[i:i + size])
            time.sleep(0.3)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


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


def test_sigkill_at_random_moments_during_a_50000_event_stream(settings, env_for):
    p = Pipeline(settings)
    keys = {a: p.issue_key(a) for a in AGENCIES}
    stream = valid_stream(50_000, keys)
    publisher = _publish_slowly(p, stream.messages)
    rng = random.Random(2025)
    kills = 0
    while publisher.is_alive() or kills < 6:
        worker = start_worker(env_for, "ingest", "run", "--batch-size", "2000")
        time.sleep(rng.uniform(2.5, 6.0))
        worker.kill()
        worker.wait()
        kills += 1
    final = start_worker(env_for, "ingest", "run", "--until-idle")
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()

    assert kills >= 6
    assert 0 < p.ledger.ledger_size()
    _assert_exactly(p, stream.valid_ids)
    p.dispose()


def test_two_instances_one_killed_midway(settings, env_for):
    settings = settings.model_copy(update=dict(partitions=6))
    env_for = dict(env_for, TIENDO_PARTITIONS="6")
    p = Pipeline(settings)
    keys = {a: p.issue_key(a) for a in AGENCIES}
    stream = valid_stream(20_000, keys, seed=5)
    publisher = _publish_slowly(p, stream.messages)
    first = start_worker(env_for, "ingest", "run", "--batch-size", "1000")
    second = start_worker(env_for, "ingest", "run", "--batch-size", "1000")
    wait_for(lambda: p.ledger.ledger_size() > 3000, 120, "both instances to start appending")
    first.kill()
    first.wait()
    publisher.join()
    try:
        wait_for(lambda: p.ledger.ledger_size() >= len(stream.valid_ids), 180, "the survivor to take over")
    finally:
        second.terminate()
        assert second.wait(timeout=60) == 0, second.stderr.read().decode()

    _assert_exactly(p, stream.valid_ids)
    p.dispose()
