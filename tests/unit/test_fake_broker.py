"""The fake broker keeps the broker contract the workers rely on (tests/broker_contract.py,
which the integration layer runs on Kafka), and fails on demand as the tests ask."""

from __future__ import annotations

import pytest

from shared.kafka import PublishFailed
from tests import broker_contract
from tests.fakes import Crash, FakeBroker


@pytest.mark.parametrize("check", broker_contract.CHECKS, ids=lambda c: c.__name__)
def test_the_fake_keeps_the_broker_contract(check):
    check(FakeBroker(), "t")


def test_a_failing_flush_delivers_what_it_was_told_and_raises():
    broker = FakeBroker()
    broker.ensure_topics(["t"], 1)
    producer = broker.producer()
    broker.fail_publishing(PublishFailed("refused"), delivered=2)
    broker.fail_publishing(Crash())
    for i in range(5):
        producer.send("t", "k", f"m{i}".encode())
    with pytest.raises(PublishFailed, match="refused"):
        producer.flush()
    assert broker.values("t") == [b"m0", b"m1"]
    producer.send("t", "k", b"m5")
    with pytest.raises(Crash):
        producer.flush()
    producer.send("t", "k", b"m6")
    producer.flush()
    assert broker.values("t") == [b"m0", b"m1", b"m6"]


def test_a_member_whose_session_expired_is_told_nothing_and_its_partitions_move():
    broker = FakeBroker(partitions=2)
    broker.ensure_topics(["t"], 2)
    told = []
    a = broker.consumer("g", ["t"], lambda parts: {p: None for p in parts}, told.append)
    b = broker.consumer("g", ["t"], lambda parts: {p: None for p in parts})
    a.poll(), b.poll()
    assert a.assignment() == [("t", 0)] and b.assignment() == [("t", 1)]
    broker.session_expired(a)
    b.poll()
    assert b.assignment() == [("t", 0), ("t", 1)]
    assert told == []


def test_a_position_below_the_logs_start_resets_to_it():
    broker = FakeBroker(partitions=1)
    for i in range(5):
        broker.produce("t", None, f"m{i}".encode())
    broker.delete_records("t", 0, 3)
    c = broker.consumer("g", ["t"], lambda parts: {p: 1 for p in parts})
    assert [r.offset for r in c.poll()] == [3, 4]
    assert broker.read_all("t")[0].offset == 3
