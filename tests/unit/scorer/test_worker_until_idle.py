"""`scorer run --until-idle` stops only when the group has consumed the whole ledger topic:
a member still waiting for its partitions is not done, however long it has waited."""

from __future__ import annotations

import time
from pathlib import Path

from shared.config import Settings

from services.scorer.worker import ScorerWorker

TOPIC = "t.ledger.v1"


class _Consumer:
    def assignment(self):
        return []


class _Broker:
    def __init__(self, ends):
        self.ends = ends

    def end_offsets(self, topic):
        return self.ends


class _Store:
    def __init__(self, stored):
        self.stored = stored

    def tracked_offsets(self, group, parts):
        return {p: self.stored.get(p) for p in parts}


def _worker(ends, stored) -> ScorerWorker:
    settings = Settings(database_url="sqlite://", kafka_bootstrap_servers="x:9092", topic_prefix="t",
                        data_dir=Path("."))
    w = ScorerWorker(settings, _Broker(ends), _Store(stored))
    w._consumer = _Consumer()
    w.topics = type("Topics", (), {"ledger": TOPIC})()
    return w


def test_a_member_without_partitions_waits_while_the_group_has_not_consumed_everything():
    w = _worker({0: 10, 1: 5}, {(TOPIC, 0): 10, (TOPIC, 1): 2})
    long_ago = time.monotonic() - 3600  # idle for an hour: still not done
    assert w._caught_up(long_ago, grace=3.0) is False


def test_a_member_without_partitions_is_done_once_the_group_reached_the_end():
    w = _worker({0: 10, 1: 5}, {(TOPIC, 0): 10, (TOPIC, 1): 5})
    assert w._caught_up(time.monotonic() - 10, grace=3.0) is True
    assert w._caught_up(time.monotonic(), grace=3.0) is False, "within the grace period it looks again later"


def test_no_partition_metadata_is_not_done():
    w = _worker({}, {})
    assert w._caught_up(time.monotonic() - 3600, grace=3.0) is False
