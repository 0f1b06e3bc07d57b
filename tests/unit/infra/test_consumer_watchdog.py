"""A consumer that lost its group coordinator reconnects instead of waiting forever."""

import pytest
from kafka.errors import GroupAuthorizationFailedError, KafkaConnectionError

from shared.kafka import client


class Clock:
    """client.py's time, moved by hand: the watchdog's patience is tested against its own
    clock, not against how fast a loaded machine runs the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def wait_out_the_patience(self) -> None:
        self.now += client.COORDINATOR_LOST_S + 1


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(client, "time", c)
    return c


class FakeCoordinator:
    def __init__(self, unknown: bool) -> None:
        self.unknown = unknown

    def coordinator_unknown(self) -> bool:
        return self.unknown


class FakeKafkaConsumer:
    def __init__(self, unknown: bool) -> None:
        self._coordinator = FakeCoordinator(unknown)
        self.closed = False

    def subscribe(self, topics, listener):
        self.topics = topics

    def poll(self, timeout_ms, max_records):
        return {}

    def close(self, autocommit, timeout_ms):
        self.closed = True


def test_a_lost_coordinator_means_a_fresh_client(clock):
    made = []

    def connect():
        made.append(FakeKafkaConsumer(unknown=len(made) == 0))
        return made[-1]

    consumer = client.Consumer(connect, ["t"], lambda parts: {}, lambda parts: None)
    consumer.poll()
    assert len(made) == 1
    clock.wait_out_the_patience()
    consumer.poll()
    assert len(made) == 2 and made[0].closed and made[1].topics == ["t"]
    clock.wait_out_the_patience()
    consumer.poll()
    assert len(made) == 2  # the new client knows its coordinator: nothing more to do


def test_a_broker_that_is_away_is_waited_for_not_fatal(clock):
    # Regression: with the broker stopped longer than the watchdog's patience, the fresh
    # client could not bootstrap, BrokerUnavailable escaped poll, and the workers exited.
    made = []
    broker_answers = iter([True, False, True])

    def connect():
        if not next(broker_answers):
            raise client.BrokerUnavailable("cannot reach Kafka")
        made.append(FakeKafkaConsumer(unknown=not made))
        return made[-1]

    consumer = client.Consumer(connect, ["t"], lambda parts: {}, lambda parts: None)
    clock.wait_out_the_patience()
    consumer.poll()  # the broker refuses: keep the old client
    assert len(made) == 1 and not made[0].closed
    clock.wait_out_the_patience()
    consumer.poll()  # it is back: a fresh client
    assert len(made) == 2 and made[0].closed


class ResettingKafkaConsumer(FakeKafkaConsumer):
    """A client whose poll raises ``errors`` first, as kafka-python's can while the broker
    restarts (a connection reset by peer during a metadata refresh)."""

    def __init__(self, *errors: Exception) -> None:
        super().__init__(unknown=False)
        self.errors = list(errors)

    def poll(self, timeout_ms, max_records):
        if self.errors:
            raise self.errors.pop(0)
        return {}


def test_a_connection_reset_while_polling_is_ridden_out(clock):
    kc = ResettingKafkaConsumer(KafkaConnectionError("[Errno 104] Connection reset by peer"))
    consumer = client.Consumer(lambda: kc, ["t"], lambda parts: {}, lambda parts: None)
    before = clock.now
    assert consumer.poll(timeout_ms=200) == []
    assert clock.now - before == pytest.approx(0.2), "the poll's timeout is waited, not spun through"
    assert consumer.poll() == []


def test_an_error_waiting_cannot_fix_is_raised():
    kc = ResettingKafkaConsumer(GroupAuthorizationFailedError("no ACL for the group"))
    consumer = client.Consumer(lambda: kc, ["t"], lambda parts: {}, lambda parts: None)
    with pytest.raises(GroupAuthorizationFailedError):
        consumer.poll()


class JoiningCoordinator(FakeCoordinator):
    """kafka-python's coordinator holding a join task that no poll will await again."""

    def __init__(self) -> None:
        super().__init__(unknown=False)
        self._join_task = object()
        self.rejoin_needed = False

    def need_rejoin(self) -> bool:
        return self.rejoin_needed

    def request_rejoin(self) -> None:
        self.rejoin_needed = True


def test_a_join_dropped_in_flight_is_asked_for_again():
    kc = FakeKafkaConsumer(unknown=False)
    kc._coordinator = JoiningCoordinator()
    consumer = client.Consumer(lambda: kc, ["t"], lambda parts: {}, lambda parts: None)
    consumer.poll()
    assert kc._coordinator.rejoin_needed, "the next poll awaits the join (or joins afresh)"


def test_a_join_still_awaited_or_none_at_all_is_left_alone():
    kc = FakeKafkaConsumer(unknown=False)
    kc._coordinator = JoiningCoordinator()
    kc._coordinator.rejoin_needed = True  # poll re-awaits the task itself
    consumer = client.Consumer(lambda: kc, ["t"], lambda parts: {}, lambda parts: None)
    calls = []
    kc._coordinator.request_rejoin = lambda: calls.append(1)
    consumer.poll()
    kc._coordinator._join_task = None
    kc._coordinator.rejoin_needed = False
    consumer.poll()
    assert calls == []
