"""The ingest worker's batch step (admit → commit → publish) against the fake broker and
the real ledger store on SQLite (tests/fakes): a crash between commit and publish, a
redelivered batch, a moved consumer position and a broker that refuses the messages
lose nothing and put nothing in the ledger twice."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest

from shared.config import Settings
from shared.kafka import BrokerUnavailable, PublishFailed
from tests.factories import event_dict, registry, signed_bytes, signing_key
from tests.fakes import Crash, FailingOnce, FakeBroker, StaticKeys, broker_for, fake_settings, sqlite_ledger

from services.ingest.worker import IngestWorker

AGENCIES = ("ha-noi", "hue", "lai-chau", "nghe-an")  # two on each partition of two
KEYS = {a: signing_key(a) for a in AGENCIES}
TODAY = date(2026, 1, 15)
PARTITIONS = 2


@pytest.fixture
def settings(tmp_path) -> Settings:
    return fake_settings(tmp_path, PARTITIONS)


@pytest.fixture
def broker(settings) -> FakeBroker:
    return broker_for(settings)


@pytest.fixture
def new_ledger(tmp_path):
    """Open the test's ledger database (one file): each call is another process's store."""
    stores = []

    def open_store():
        stores.append(sqlite_ledger(tmp_path))
        return stores[-1]

    yield open_store
    for s in stores:
        s.engine.dispose()


def _worker(settings: Settings, broker: FakeBroker, ledger) -> IngestWorker:
    worker = IngestWorker(settings, broker, ledger, StaticKeys(registry(*KEYS.values())), today=lambda: TODAY,
                          replay_clock=True)
    worker.start()
    return worker


def _publish(broker: FakeBroker, settings: Settings, n: int, start: int = 0, bad: int = 0) -> set[tuple[str, str]]:
    """`n` valid events (and `bad` that fail admission) on the raw topic; the valid ids."""
    ids = set()
    for i in range(start, start + n):
        agency = AGENCIES[i % len(AGENCIES)]
        d = event_dict(agency, event_id=f"{agency}-{i}", observed_at=f"2025-03-{1 + i % 28:02d}")
        broker.produce(settings.topics.progress, agency, signed_bytes(d, KEYS[agency]))
        ids.add((agency, d["event_id"]))
    for i in range(bad):
        broker.produce(settings.topics.progress, "hue", b"{not json " + str(i).encode())
    return ids


def _recorded(ledger) -> Counter:
    return Counter((e.agency_id, e.event_id) for e in ledger.entries())


def _announced(broker: FakeBroker, settings: Settings) -> Counter:
    return Counter((m["agency_id"], m["chain_pos"], m["hash"])
                   for m in map(json.loads, broker.values(settings.topics.ledger)))


def _entries(ledger) -> Counter:
    return Counter((e.agency_id, e.chain_pos, e.hash) for e in ledger.entries())


def _stored(ledger, settings: Settings) -> dict[int, int | None]:
    topic = settings.topics.progress
    offsets = ledger.tracked_offsets(settings.group("ingest"), [(topic, p) for p in range(PARTITIONS)])
    return {p: o for (_, p), o in offsets.items()}


def test_one_step_admits_commits_and_publishes_a_poll(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 12, bad=2)
    worker = _worker(settings, broker, ledger)
    worker.step(worker._consumer.poll())
    assert set(_recorded(ledger)) == ids and max(_recorded(ledger).values()) == 1
    assert _announced(broker, settings) == _entries(ledger)
    assert len(broker.values(settings.topics.receipts)) == 12
    assert len(broker.values(settings.topics.dead_letters)) == 2
    assert _stored(ledger, settings) == broker.end_offsets(settings.topics.progress)
    assert ledger.pending_outbox() == []
    assert broker.committed[settings.group("ingest")] == {
        (settings.topics.progress, p): o for p, o in broker.end_offsets(settings.topics.progress).items()}


def test_the_loop_polls_and_steps_until_stopped(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 30, bad=1)
    worker = IngestWorker(settings, broker, ledger, StaticKeys(registry(*KEYS.values())), today=lambda: TODAY,
                          replay_clock=True, batch_size=7)
    stats = worker.run(stop=lambda: len(broker.values(settings.topics.dead_letters)) + ledger.ledger_size() == 31)
    assert set(_recorded(ledger)) == ids and (stats.appended, stats.dead_letters) == (30, 1)
    assert stats.batches >= 31 // 7
    assert broker.consumers[-1].closed


@pytest.mark.parametrize("delivered", [0, 5], ids=["nothing-sent", "some-sent"])
def test_a_crash_between_commit_and_publish_is_published_by_the_next_start(settings, broker, new_ledger,
                                                                          delivered):
    ledger = new_ledger()
    ids = _publish(broker, settings, 20, bad=1)
    first = _worker(settings, broker, ledger)
    broker.fail_publishing(Crash(), delivered=delivered)
    with pytest.raises(Crash):
        first.step(first._consumer.poll())
    broker.session_expired(first._consumer)
    assert set(_recorded(ledger)) == ids, "the batch was committed before the crash"
    assert len(broker.values(settings.topics.ledger)) == min(delivered, 20)

    restarted = new_ledger()
    second = _worker(settings, broker, restarted)  # its start publishes the outbox
    announced = _announced(broker, settings)
    assert set(announced) == set(_entries(restarted)), "every committed entry is announced, nothing else"
    if delivered == 0:
        assert max(announced.values()) == 1
        assert len(broker.values(settings.topics.receipts)) == 20
        assert len(broker.values(settings.topics.dead_letters)) == 1
    assert restarted.pending_outbox() == []
    second.step(second._consumer.poll())  # positions come from the stored offsets: nothing again
    assert _recorded(restarted) == Counter(ids)
    assert second.stats.consumed == 0


def test_a_member_that_died_between_commit_and_publish_is_published_by_its_successor(settings, broker,
                                                                                      new_ledger):
    a, b = _worker(settings, broker, new_ledger()), _worker(settings, broker, new_ledger())
    ids = _publish(broker, settings, 16)
    for w in (a, b):
        w.step(w._consumer.poll())  # both joined: each owns one partition
    assert len(a._consumer.assignment()) == len(b._consumer.assignment()) == 1
    more = _publish(broker, settings, 16, start=16)
    broker.fail_publishing(Crash())
    with pytest.raises(Crash):
        a.step(a._consumer.poll())
    broker.session_expired(a._consumer)
    while b._consumer.lag() or b._consumer.assignment() != [(settings.topics.progress, p) for p in range(2)]:
        b.step(b._consumer.poll())  # the rebalance hands b a's partition and its outbox
    assert _recorded(b.ledger) == Counter(ids | more)
    assert _announced(broker, settings) == _entries(b.ledger)
    assert b.ledger.pending_outbox() == []


def test_a_redelivered_batch_is_recognised_and_adds_nothing(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 15, bad=2)
    worker = _worker(settings, broker, ledger)
    batch = worker._consumer.poll()
    worker.step(batch)
    worker.step(batch)  # the same records again, as after a rebalance back to this member
    assert worker.stats.redelivered == len(batch) == 17
    assert worker.stats.batches == 1
    assert _recorded(ledger) == Counter(ids)
    assert len(broker.values(settings.topics.dead_letters)) == 2
    assert _announced(broker, settings) == _entries(ledger)


def test_a_position_moved_back_consumes_nothing_twice(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 15)
    worker = _worker(settings, broker, ledger)
    worker.step(worker._consumer.poll())
    for topic, partition in worker._consumer.assignment():
        worker._consumer.seek(topic, partition, 0)
    more = _publish(broker, settings, 6, start=15)
    worker.step(worker._consumer.poll())
    assert worker.stats.redelivered == 15
    assert _recorded(ledger) == Counter(ids | more)


def test_another_members_batch_is_refused_by_the_stored_offsets(settings, broker, new_ledger):
    stale = _worker(settings, broker, new_ledger())
    ids = _publish(broker, settings, 10)
    batch = stale._consumer.poll()
    fresh = _worker(settings, broker, new_ledger())  # joins; stale has not polled since
    broker.session_expired(stale._consumer)
    fresh.step(fresh._consumer.poll())
    stale.step(batch)  # the batch it polled before the rebalance, committed by the other meanwhile
    assert stale.stats.retries == 1 and stale.stats.appended == 0
    assert _recorded(fresh.ledger) == Counter(ids)


def test_a_position_moved_forward_is_sought_back_to_the_stored_offset(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 12)
    worker = _worker(settings, broker, ledger)
    worker.step(worker._consumer.poll())
    more = _publish(broker, settings, 12, start=12)
    topic, partition = worker._consumer.assignment()[0]
    stored = _stored(ledger, settings)[partition]
    worker._consumer.seek(topic, partition, stored + 3)  # three records would be skipped
    worker.step(worker._consumer.poll())
    assert worker._consumer.positions[(topic, partition)] == stored, "the stored offset won"
    assert _stored(ledger, settings)[partition] == stored
    while worker._consumer.lag():
        worker.step(worker._consumer.poll())
    assert _recorded(ledger) == Counter(ids | more)
    assert _stored(ledger, settings) == broker.end_offsets(topic)


def test_a_gap_still_there_after_seeking_back_is_the_logs_own(settings, broker, new_ledger):
    ledger = new_ledger()
    worker = _worker(settings, broker, ledger)
    _publish(broker, settings, 12)
    worker.step(worker._consumer.poll())
    _publish(broker, settings, 12, start=12)
    topic = settings.topics.progress
    stored = _stored(ledger, settings)[0]
    broker.delete_records(topic, 0, stored + 2)  # retention removed two unconsumed records
    worker.step(worker._consumer.poll())  # the first time: sought back
    assert _stored(ledger, settings)[0] == stored
    while worker._consumer.lag():
        worker.step(worker._consumer.poll())  # the second time: the gap is the log's, go on
    assert _stored(ledger, settings) == broker.end_offsets(topic)
    assert ledger.ledger_size() == 24 - 2


def test_a_refused_publish_keeps_the_commit_and_the_next_start_publishes_it(settings, broker, new_ledger):
    ledger = new_ledger()
    ids = _publish(broker, settings, 20, bad=1)
    worker = _worker(settings, broker, ledger)
    broker.fail_publishing(PublishFailed("NOT_ENOUGH_REPLICAS"))
    with pytest.raises(BrokerUnavailable, match="NOT_ENOUGH_REPLICAS"):
        worker.step(worker._consumer.poll())  # the worker exits on it, and is restarted
    worker.close()
    assert _recorded(ledger) == Counter(ids)
    assert broker.values(settings.topics.ledger) == []
    # The entries are their own outbox (their messages are built again), the dead letter is in the outbox.
    assert len(ledger.unpublished_entries()[1]) == 20 and len(ledger.pending_outbox()) == 1

    restarted = new_ledger()
    again = _worker(settings, broker, restarted)
    again.step(again._consumer.poll())
    assert _announced(broker, settings) == _entries(restarted)
    assert max(_announced(broker, settings).values()) == 1
    assert _recorded(restarted) == Counter(ids)
    assert restarted.pending_outbox() == [] and restarted.unpublished_entries() == ([], [])


@pytest.mark.parametrize("after", [True, False], ids=["answer-lost-after-commit", "down-before-commit"])
def test_a_database_that_fails_mid_batch_leaves_each_entry_once(settings, broker, new_ledger, monkeypatch, after):
    monkeypatch.setattr("shared.db.outage.time.sleep", lambda s: None)
    ledger = new_ledger()
    ids = _publish(broker, settings, 18, bad=1)
    flaky = FailingOnce(ledger, "commit_batch", after=after)
    worker = _worker(settings, broker, flaky)
    worker.step(worker._consumer.poll())  # the worker waits for the database, then goes on from what it stored
    assert flaky.failed and worker.stats.retries == 1
    while worker._consumer.lag():
        worker.step(worker._consumer.poll())
    assert _recorded(ledger) == Counter(ids)
    assert _announced(broker, settings) == _entries(ledger)
    assert max(_announced(broker, settings).values()) == 1
    assert len(broker.values(settings.topics.dead_letters)) == 1
    assert _stored(ledger, settings) == broker.end_offsets(settings.topics.progress)


def test_a_broker_away_longer_than_a_flush_waits_is_ridden_out(settings, broker, new_ledger):
    # Issue 18: on a loaded machine the broker of `make chaos` came back after more than
    # the producer's 60 s, the flush raised, and the worker exited instead of waiting.
    ledger = new_ledger()
    ids = _publish(broker, settings, 20, bad=1)
    broker.fail_publishing(BrokerUnavailable("cannot reach Kafka"), times=2, delivered=3)
    worker = IngestWorker(settings, broker, ledger, StaticKeys(registry(*KEYS.values())), today=lambda: TODAY,
                          replay_clock=True)
    worker.run(until_idle=True)
    assert worker.stats.retries == 2
    assert _recorded(ledger) == Counter(ids)
    assert set(_announced(broker, settings)) == set(_entries(ledger)), "every entry announced (some twice)"
    assert ledger.pending_outbox() == [] and ledger.unpublished_entries() == ([], [])
