"""A consumer that lost its group coordinator reconnects instead of waiting forever."""

import time

from shared.kafka import client


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


def test_a_lost_coordinator_means_a_fresh_client(monkeypatch):
    monkeypatch.setattr(client, "COORDINATOR_LOST_S", 0.05)
    made = []

    def connect():
        made.append(FakeKafkaConsumer(unknown=len(made) == 0))
        return made[-1]

    consumer = client.Consumer(connect, ["t"], lambda parts: {}, lambda parts: None)
    consumer.poll()
    assert len(made) == 1
    time.sleep(0.1)
    consumer.poll()
    assert len(made) == 2 and made[0].closed and made[1].topics == ["t"]
    time.sleep(0.1)
    consumer.poll()
    assert len(made) == 2  # the new client knows its coordinator: nothing more to do


def test_a_broker_that_is_away_is_waited_for_not_fatal(monkeypatch):
    # Regression: with the broker stopped longer than the watchdog's patience, the fresh
    # client could not bootstrap, BrokerUnavailable escaped poll, and the workers exited.
    monkeypatch.setattr(client, "COORDINATOR_LOST_S", 0.05)
    made = []
    broker_answers = iter([True, False, True])

    def connect():
        if not next(broker_answers):
            raise client.BrokerUnavailable("cannot reach Kafka")
        made.append(FakeKafkaConsumer(unknown=not made))
        return made[-1]

    consumer = client.Consumer(connect, ["t"], lambda parts: {}, lambda parts: None)
    time.sleep(0.1)
    consumer.poll()  # the broker refuses: keep the old client
    assert len(made) == 1 and not made[0].closed
    time.sleep(0.1)
    consumer.poll()  # it is back: a fresh client
    assert len(made) == 2 and made[0].closed


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
