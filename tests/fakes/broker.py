"""An in-memory broker that satisfies `shared.ports.Broker`: topics of partitioned logs,
consumer groups whose members share the partitions and are told of it through their
callbacks (on their next poll, as kafka-python does), positions that `seek` moves, and
publishing that fails, or crashes the caller, on demand.

Nothing here sleeps or runs a thread: a poll returns at once with what the logs hold,
and a rebalance happens when a member polls after the group changed."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from shared.config import Settings
from shared.kafka import BrokerUnavailable, PublishFailed, Record
from shared.ports import Partition


class Crash(BaseException):
    """The process dies here (SIGKILL, power cut): no handler of the worker's catches it,
    so nothing after the point where it is raised runs."""


@dataclass
class _Log:
    records: list[Record] = field(default_factory=list)
    start: int = 0
    """The first offset still kept (records below it were deleted, as retention does)."""

    @property
    def end(self) -> int:
        return len(self.records)


@dataclass
class _Failure:
    error: BaseException
    delivered: int
    """How many of the queued messages reach the log before the failure."""


@dataclass
class _Group:
    members: list["FakeConsumer"] = field(default_factory=list)
    generation: int = 0


class FakeBroker:
    """Topics, producers and consumer groups in memory (see the module's docstring)."""

    def __init__(self, partitions: int = 3) -> None:
        self.default_partitions = partitions
        self.logs: dict[str, list[_Log]] = {}
        self.groups: dict[str, _Group] = {}
        self.committed: dict[str, dict[Partition, int]] = {}
        """Each group's mirror commits: informative, as on the real broker."""
        self.consumers: list[FakeConsumer] = []
        """Every consumer made, oldest first (a test reaches a worker's consumer here)."""
        self._failures: list[_Failure] = []
        self._round_robin = itertools.count()
        self._clock_ms = itertools.count(1_700_000_000_000)

    # ---- shared.ports.Broker -------------------------------------------------------
    def ensure_topics(self, names: Iterable[str], partitions: int,
                      configs: dict[str, dict[str, str]] | None = None) -> None:
        """Create the topics that do not exist yet; groups subscribed to one rebalance."""
        for name in names:
            if name not in self.logs:
                self.logs[name] = [_Log() for _ in range(partitions)]
                for group in self.groups.values():
                    if any(name in m.topics for m in group.members):
                        group.generation += 1

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition (empty for an unknown topic)."""
        return {p: log.end for p, log in enumerate(self.logs.get(topic, []))}

    def producer(self, **overrides) -> FakeProducer:
        """A producer whose messages reach the logs at `flush`."""
        return FakeProducer(self)

    def consumer(self, group: str, topics: list[str],
                 on_assigned: Callable[[list[Partition]], dict[Partition, int | None]],
                 on_revoked: Callable[[list[Partition]], None] = lambda _: None, **overrides) -> FakeConsumer:
        """A new member of `group`; it gets its partitions on its first poll."""
        consumer = FakeConsumer(self, group, list(topics), on_assigned, on_revoked)
        g = self.groups.setdefault(group, _Group())
        g.members.append(consumer)
        g.generation += 1
        self.consumers.append(consumer)
        return consumer

    # ---- what tests do to it ---------------------------------------------------------
    def produce(self, topic: str, key: str | bytes | None, value: bytes) -> Record:
        """Append one message at once (an agency publishing), creating the topic if needed."""
        if topic not in self.logs:
            self.ensure_topics([topic], self.default_partitions)
        return self._append(topic, key.encode() if isinstance(key, str) else key, value)

    def read_all(self, topic: str, timeout_s: float = 30.0) -> list[Record]:
        """Every message kept in a topic, partition by partition, in offset order."""
        return [r for log in self.logs.get(topic, []) for r in log.records[log.start:]]

    def values(self, topic: str) -> list[bytes]:
        """The values of `read_all(topic)`."""
        return [r.value for r in self.read_all(topic)]

    def delete_records(self, topic: str, partition: int, before: int) -> None:
        """Drop a partition's records below `before`, as retention does."""
        log = self.logs[topic][partition]
        log.start = max(log.start, min(before, log.end))

    def session_expired(self, consumer: FakeConsumer) -> None:
        """The member's process died without leaving: the coordinator drops it after its
        session timeout and the others rebalance on their next poll; it is told nothing."""
        consumer.closed = True
        self._leave(consumer)

    def fail_publishing(self, error: BaseException | None = None, times: int = 1, delivered: int = 0) -> None:
        """Make the next `times` flushes (of any producer) raise `error` (PublishFailed by
        default; a `Crash` for a process that dies there), after the first `delivered`
        messages queued reached the log and the rest were lost."""
        for _ in range(times):
            self._failures.append(_Failure(error or PublishFailed("the fake broker refused the messages"),
                                           delivered))

    # ---- internals -------------------------------------------------------------------
    def _partition_for(self, topic: str, key: bytes | None) -> int:
        n = len(self.logs[topic])
        return (zlib.crc32(key) if key is not None else next(self._round_robin)) % n

    def _append(self, topic: str, key: bytes | None, value: bytes) -> Record:
        partition = self._partition_for(topic, key)
        log = self.logs[topic][partition]
        record = Record(topic, partition, log.end, key, value, next(self._clock_ms))
        log.records.append(record)
        return record

    def _deliver(self, queued: list[tuple[str, bytes | None, bytes]]) -> None:
        failure = self._failures.pop(0) if self._failures else None
        for topic, key, value in queued[: failure.delivered] if failure else queued:
            self._append(topic, key, value)
        if failure:
            raise failure.error

    def _leave(self, consumer: FakeConsumer) -> None:
        group = self.groups[consumer.group]
        group.members.remove(consumer)
        group.generation += 1

    def _assignment_of(self, consumer: FakeConsumer) -> list[Partition]:
        """Each existing topics' partitions dealt in turn to the group's members that
        subscribe to it, in joining order."""
        members = self.groups[consumer.group].members
        mine: list[Partition] = []
        for topic in sorted(t for t in set(consumer.topics) if t in self.logs):
            readers = [m for m in members if topic in m.topics]
            i = readers.index(consumer)
            mine += [(topic, p) for p in range(len(self.logs[topic])) if p % len(readers) == i]
        return mine


class FakeProducer:
    """A producer of `FakeBroker`: `send` queues, `flush` delivers (or fails as told)."""

    def __init__(self, broker: FakeBroker) -> None:
        self._broker = broker
        self._queued: list[tuple[str, bytes | None, bytes]] = []
        self.closed = False

    def send(self, topic: str, key: str | bytes | None, value: bytes) -> None:
        """Queue one message; a topic that does not exist is refused here."""
        if topic not in self._broker.logs:
            raise BrokerUnavailable(f"no topic {topic} on the fake broker")
        self._queued.append((topic, key.encode("utf-8") if isinstance(key, str) else key, value))

    def flush(self, timeout_s: float = 60.0) -> None:
        """Deliver everything queued, or fail as `FakeBroker.fail_publishing` said."""
        queued, self._queued = self._queued, []
        self._broker._deliver(queued)

    def close(self) -> None:
        """Deliver what is still queued, like kafka-python's close (errors are not raised)."""
        if not self.closed:
            self.closed = True
            queued, self._queued = self._queued, []
            for topic, key, value in queued:
                self._broker._append(topic, key, value)


class FakeConsumer:
    """A group member of `FakeBroker` that never commits on its own (see shared.ports)."""

    def __init__(self, broker: FakeBroker, group: str, topics: list[str],
                 on_assigned: Callable[[list[Partition]], dict[Partition, int | None]],
                 on_revoked: Callable[[list[Partition]], None]) -> None:
        self._broker = broker
        self.group = group
        self.topics = topics
        self._on_assigned = on_assigned
        self._on_revoked = on_revoked
        self._generation = -1
        self._assigned: list[Partition] = []
        self.positions: dict[Partition, int] = {}
        """The next offset each assigned partition's poll returns."""
        self._turn = 0
        self.closed = False

    def _rebalance_if_due(self) -> None:
        group = self._broker.groups[self.group]
        if self._generation == group.generation:
            return
        self._generation = group.generation
        if self._assigned:
            self._on_revoked(list(self._assigned))
        self._assigned = self._broker._assignment_of(self)
        self.positions = {}
        stored = self._on_assigned(list(self._assigned)) if self._assigned else {}
        for part in self._assigned:
            offset = stored.get(part)
            self.positions[part] = self._broker.logs[part[0]][part[1]].start if offset is None else offset

    # ---- shared.ports.Consumer -----------------------------------------------------
    def poll(self, max_records: int = 5000, timeout_ms: int = 200) -> list[Record]:
        """Up to `max_records` records, from one partition after another (starting one
        further each poll, so that none starves); returns at once."""
        if self.closed:
            raise RuntimeError("poll on a closed consumer")
        self._rebalance_if_due()
        out: list[Record] = []
        parts = self._assigned[self._turn:] + self._assigned[:self._turn]
        self._turn = (self._turn + 1) % max(1, len(self._assigned))
        for part in parts:
            log = self._broker.logs[part[0]][part[1]]
            # Below the log's start: reset to it, as auto_offset_reset=earliest does.
            position = max(self.positions[part], log.start)
            taken = log.records[position: position + max_records - len(out)]
            out.extend(taken)
            self.positions[part] = position + len(taken)
            if len(out) >= max_records:
                break
        return out

    def seek(self, topic: str, partition: int, offset: int) -> None:
        """Move the position of one assigned partition."""
        if (topic, partition) not in self._assigned:
            raise ValueError(f"{topic}[{partition}] is not assigned to this consumer")
        self.positions[(topic, partition)] = offset

    def assignment(self) -> list[Partition]:
        """The partitions this member owns now (as of its last poll)."""
        return sorted(self._assigned)

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written on every partition of `topic`."""
        return self._broker.end_offsets(topic)

    def lag(self) -> int:
        """Messages left to read on the assigned partitions."""
        return sum(max(0, self._broker.logs[t][p].end - self.positions[(t, p)]) for t, p in self._assigned)

    def mirror_commit(self, offsets: dict[Partition, int]) -> None:
        """Keep the offsets in the broker's `committed` (nothing reads them back)."""
        self._broker.committed.setdefault(self.group, {}).update(offsets)

    def close(self) -> None:
        """Leave the group: the other members rebalance on their next poll."""
        if not self.closed:
            self.closed = True
            self._broker._leave(self)


def fake_settings(data_dir, partitions: int) -> Settings:
    """Settings for a worker on the fake broker (its database is set by the test)."""
    return Settings(database_url="sqlite://", kafka_bootstrap_servers="fake:9092", topic_prefix="t",
                    data_dir=data_dir, partitions=partitions)


def broker_for(settings: Settings) -> FakeBroker:
    """A fake broker holding every topic of ``settings``."""
    broker = FakeBroker()
    broker.ensure_topics(settings.topics.all(), settings.partitions)
    return broker
