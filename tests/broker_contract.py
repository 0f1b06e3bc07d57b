"""What the workers rely on of a broker (`shared.ports.Broker`), as checks that run against
any of them: the unit layer runs them on `tests.fakes.FakeBroker`, the integration layer on
the real broker through `shared.kafka.Broker`, so the fake is held to what Kafka does.

Each check takes a broker and a topic prefix of its own. Polling stops on a condition (or
fails after a deadline): the fake answers at once, Kafka within seconds."""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.kafka import Record
from shared.ports import Broker, Consumer, Partition

PARTITIONS = 3
KEYS = [f"agency-{i}" for i in range(12)]


def _poll_until(consumers: list[Consumer], done: Callable[[], bool], got: list[list[Record]] | None = None,
                deadline_s: float = 60.0) -> list[list[Record]]:
    got = got if got is not None else [[] for _ in consumers]
    deadline = time.monotonic() + deadline_s
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(f"no progress within {deadline_s:.0f} s: {[len(g) for g in got]} records")
        for c, g in zip(consumers, got):
            g.extend(c.poll(max_records=500, timeout_ms=100))
    return got


def _send(broker: Broker, topic: str, n: int, start: int = 0) -> None:
    producer = broker.producer()
    for i in range(start, start + n):
        producer.send(topic, KEYS[i % len(KEYS)], f"m{i}".encode())
    producer.flush()
    producer.close()


def check_topics_partitions_and_keys(broker: Broker, prefix: str) -> None:
    """Topics are made once with their partitions; a key always lands on one partition;
    end offsets count what was acknowledged."""
    topic = f"{prefix}.keys"
    broker.ensure_topics([topic], PARTITIONS)
    broker.ensure_topics([topic], PARTITIONS)  # again: nothing changes
    assert broker.end_offsets(topic) == {p: 0 for p in range(PARTITIONS)}
    _send(broker, topic, 36)
    ends = broker.end_offsets(topic)
    assert sum(ends.values()) == 36 and set(ends) == set(range(PARTITIONS))
    records = broker.read_all(topic)
    assert sorted(r.value for r in records) == sorted(f"m{i}".encode() for i in range(36))
    partitions_of: dict[bytes, set[int]] = {}
    for r in records:
        partitions_of.setdefault(r.key, set()).add(r.partition)
    assert all(len(ps) == 1 for ps in partitions_of.values()), "a key went to two partitions"
    for p in range(PARTITIONS):
        offsets = [r.offset for r in records if r.partition == p]
        assert offsets == list(range(ends[p]))


def check_positions_come_from_the_owner(broker: Broker, prefix: str) -> None:
    """A member starts each partition where `on_assigned` says (None: the beginning),
    never where the group committed; `seek` moves a position; `lag` counts what is left."""
    topic = f"{prefix}.positions"
    broker.ensure_topics([topic], PARTITIONS)
    _send(broker, topic, 30)
    ends = broker.end_offsets(topic)
    start = {(topic, p): (None if p == 0 else 2) for p in range(PARTITIONS)}
    assigned: list[list[Partition]] = []

    def on_assigned(parts):
        assigned.append(sorted(parts))
        return {part: start[part] for part in parts}

    c = broker.consumer(f"{prefix}.group", [topic], on_assigned)
    try:
        expected = sum(e - (0 if p == 0 else 2) for p, e in ends.items())
        got = _poll_until([c], lambda: len(polled[0]) >= expected, polled := [[]])[0]
        # Kafka may assign nothing first (no partition metadata yet), then everything.
        assert assigned[-1] == [(topic, p) for p in range(PARTITIONS)]
        assert c.assignment() == [(topic, p) for p in range(PARTITIONS)]
        for p in range(PARTITIONS):
            first = 0 if p == 0 else 2
            assert [r.offset for r in got if r.partition == p] == list(range(first, ends[p]))
        assert c.lag() == 0
        c.mirror_commit({(topic, p): e for p, e in ends.items()})
        fullest = max(ends, key=ends.get)
        c.seek(topic, fullest, ends[fullest] - 2)
        assert c.lag() == 2
        again = _poll_until([c], lambda: len(polled_again[0]) >= 2, polled_again := [[]])[0]
        assert [(r.partition, r.offset) for r in again] == [(fullest, ends[fullest] - 2), (fullest, ends[fullest] - 1)]
        assert c.end_offsets(topic) == ends
    finally:
        c.close()


def check_members_share_partitions_and_hand_them_over(broker: Broker, prefix: str) -> None:
    """Two members of a group own disjoint partitions that cover the topic; when one leaves,
    the other is told (revoked, then assigned) and owns them all."""
    topic = f"{prefix}.share"
    group = f"{prefix}.group"
    broker.ensure_topics([topic], PARTITIONS)
    _send(broker, topic, 30)
    calls: dict[str, list[tuple[str, list[Partition]]]] = {"a": [], "b": []}

    def member(name: str) -> Consumer:
        def on_assigned(parts):
            calls[name].append(("assigned", sorted(parts)))
            return {part: None for part in parts}

        return broker.consumer(group, [topic], on_assigned,
                               lambda parts: calls[name].append(("revoked", sorted(parts))))

    a = member("a")
    b = member("b")
    everything = [(topic, p) for p in range(PARTITIONS)]
    try:
        def shared_out() -> bool:
            owned = a.assignment() + b.assignment()
            return bool(a.assignment()) and bool(b.assignment()) and sorted(owned) == everything

        _poll_until([a, b], shared_out)
        a.close()
        _poll_until([b], lambda: b.assignment() == everything)
        assert [kind for kind, _ in calls["b"][-2:]] == ["revoked", "assigned"]
        assert calls["b"][-1][1] == everything
    finally:
        b.close()


CHECKS = [check_topics_partitions_and_keys, check_positions_come_from_the_owner,
          check_members_share_partitions_and_hand_them_over]
