"""The scorer worker's batch step against the fake broker and the real stores on a migrated
SQLite file (tests/fakes): a crash between commit and publish, redelivered ledger
messages, stored offsets that disagree with the consumer's position, and the snapshots
the steps keep. The ledger rows are written as ingest writes them (tests/unit/report's
LedgerFile) and announced on the ledger topic in ingest's own message form."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import Engine

from shared.config import Settings
from shared.db.engine import make_engine
from shared.db.ledger import LedgerStore, StoredEntry
from shared.db.projections import ScorerStore
from shared.db.snapshots import SnapshotReader
from shared.kafka import BrokerUnavailable
from shared.scoring.folding import fold_ledger
from shared.scoring.rows import projections_from_rows
from shared.scoring.snapshots import snapshot_days
from tests.fakes import Crash, FakeBroker, broker_for, fake_settings, sqlite_ledger
from tests.unit.report.ledger import LedgerFile, event, ratio

from services.ingest.worker import ledger_message
from services.scorer.replay import rebuild
from services.scorer.worker import ScorerWorker

from .builders import PROJECTOR

PARTITIONS = 2
ALERT_DAY = date(2025, 3, 1)  # 30 days before civil_registry_digitised is due: 30d alerts
TODAY = date(2025, 4, 10)  # snapshots of the month ends from July 2024 to March 2025


@pytest.fixture
def settings(tmp_path) -> Settings:
    return fake_settings(tmp_path, PARTITIONS)


@pytest.fixture
def broker(settings) -> FakeBroker:
    return broker_for(settings)


class Pipeline:
    """One database file: the ledger written as ingest writes it, its entries announced on
    the ledger topic as ingest announces them, and scorer workers on it (each with its
    own engine, as each would be a process of its own)."""

    def __init__(self, tmp_path, settings: Settings, broker: FakeBroker) -> None:
        sqlite_ledger(tmp_path).engine.dispose()  # a copy of the migrated template
        self.path = tmp_path / "ledger.db"
        self.settings = settings
        self.broker = broker
        self.file = LedgerFile(self.path)
        self.engines: list[Engine] = [self.file.engine]

    def engine(self) -> Engine:
        self.engines.append(make_engine(f"sqlite:///{self.path}"))
        return self.engines[-1]

    @property
    def ledger(self) -> LedgerStore:
        return self.file.store

    @property
    def store(self) -> ScorerStore:
        return ScorerStore(self.file.engine)

    def append(self, *events: dict) -> list[StoredEntry]:
        """Record events in the ledger (one batch); the stored entries."""
        head = self.ledger.head_seq()
        self.file.append(*events, sign=False)
        return list(self.ledger.entries(after_seq=head))

    def announce(self, entries: list[StoredEntry]) -> None:
        """Put entries on the ledger topic, keyed by agency, as ingest publishes them."""
        for e in entries:
            self.broker.produce(self.settings.topics.ledger, e.agency_id, ledger_message(e))

    def record(self, *events: dict) -> list[StoredEntry]:
        entries = self.append(*events)
        self.announce(entries)
        return entries

    def worker(self, today: date = TODAY) -> ScorerWorker:
        """A scorer worker started as `run` starts one: stored state loaded, alerts left
        unpublished published, a member of the group (its partitions come with a poll)."""
        engine = self.engine()
        w = ScorerWorker(self.settings, self.broker, ScorerStore(engine), PROJECTOR, today=lambda: today,
                         ledger=LedgerStore(engine))
        w._producer = self.broker.producer()
        w.load()
        w.publish_alerts()
        w._consumer = self.broker.consumer(w.group, [self.settings.topics.ledger], w._on_assigned, w._on_revoked)
        return w

    def stored_offsets(self, group: str) -> dict[int, int | None]:
        """The scorer group's stored offsets, per partition of the ledger topic."""
        topic = self.settings.topics.ledger
        offsets = self.ledger.tracked_offsets(group, [(topic, p) for p in range(PARTITIONS)])
        return {p: o for (_, p), o in offsets.items()}

    def ends(self) -> dict[int, int | None]:
        """The ledger topic's end offsets, as the offsets stored once it is all consumed
        (None: a partition nothing was written to, so nothing was consumed)."""
        return {p: end or None for p, end in self.broker.end_offsets(self.settings.topics.ledger).items()}

    def dispose(self) -> None:
        for e in self.engines:
            e.dispose()


@pytest.fixture
def pipe(tmp_path, settings, broker):
    p = Pipeline(tmp_path, settings, broker)
    yield p
    p.dispose()


def _civil(agency: str, num: int, day: str = "2025-02-25", **kw) -> dict:
    return event(agency, "civil_registry_digitised", day, ratio(num, 100), **kw)


def _online(agency: str, day: str, num: int, **kw) -> dict:
    return event(agency, "online_dossier_rate", day, ratio(num, 100), **kw)


def _alerts_sent(broker: FakeBroker, settings: Settings) -> Counter:
    return Counter(json.loads(v)["alert_id"] for v in broker.values(settings.topics.alerts))


def test_a_crash_between_commit_and_publish_is_published_by_the_next_start_once(pipe, settings, broker):
    pipe.record(_civil("ha-noi", 100), _civil("hue", 90))
    first = pipe.worker(ALERT_DAY)
    broker.fail_publishing(Crash())
    with pytest.raises(Crash):
        first.step(first._consumer.poll())
    broker.session_expired(first._consumer)
    alerts = pipe.store.alerts()
    keys = {(a["agency_id"], a["target_id"], a["threshold"]) for a in alerts}
    assert ("hue", "civil_registry_digitised", "30d") in keys
    assert ("ha-noi", "civil_registry_digitised", "30d") not in keys, "its target is met"
    assert all(a["published_at"] is None for a in alerts), "committed with the batch, not published"
    assert pipe.store.observation_count() == 2
    assert pipe.stored_offsets(first.group) == pipe.ends()
    assert broker.values(settings.topics.alerts) == []

    second = pipe.worker(ALERT_DAY)  # its start publishes what the first left unpublished
    sent = _alerts_sent(broker, settings)
    assert sent == Counter({a["alert_id"]: 1 for a in alerts}), "each alert exactly once"
    assert all(a["published_at"] is not None for a in pipe.store.alerts())
    assert second._consumer.poll() == [], "the batch is not consumed again: its offsets were committed with it"
    second.step([])
    assert (second.stats.applied, second.stats.alerts) == (0, 0)
    assert second.publish_alerts() == 0, "what a later start would publish: nothing"
    assert _alerts_sent(broker, settings) == sent
    assert len(pipe.store.alerts()) == len(alerts)


def test_alerts_wait_until_the_topic_is_read_to_its_end(pipe, settings, broker):
    """A day evaluated before the worker has read the ledger topic (the group's first
    assignment still empty, a backlog half applied) raises no alert: Hà Nội's 100 % is on
    its way, and an alert is never taken back. Read to the end, the worker raises every
    alert the whole state calls for, the cells that did not change since included."""
    pipe.record(_civil("hue", 90), _civil("ha-noi", 100))
    w = pipe.worker(ALERT_DAY)
    w.step([], refresh_days=None, live=False)  # today evaluated with nothing read yet
    assert pipe.store.alerts() == []
    records = w._consumer.poll()
    assert len(records) == 2
    w.step(records[:1], live=False)  # half the backlog
    assert pipe.store.alerts() == []
    w._handle(records[1:])  # the rest: nothing left to read on any partition
    agencies = {a["agency_id"] for a in pipe.store.alerts() if a["threshold"] == "30d"}
    assert "hue" in agencies and "ha-noi" not in agencies, "its target is met"
    assert "lao-cai" in agencies, "no figure, unchanged since the day was evaluated: due all the same"
    assert _alerts_sent(broker, settings) == Counter({a["alert_id"]: 1 for a in pipe.store.alerts()})
    raised = w.stats.alerts
    w.step([])
    assert w.stats.alerts == raised, "each alert once"


def test_a_broker_away_longer_than_publishing_waits_is_ridden_out(pipe, settings, broker):
    # Issue 18: on a loaded machine the broker of `make chaos` came back after more than
    # the producer's 60 s; the alerts' flush raised and the worker exited instead of waiting.
    pipe.record(_civil("ha-noi", 100), _civil("hue", 90))
    engine = pipe.engine()
    worker = ScorerWorker(settings, broker, ScorerStore(engine), PROJECTOR, today=lambda: ALERT_DAY,
                          ledger=LedgerStore(engine))
    broker.fail_publishing(BrokerUnavailable("cannot reach Kafka"))
    worker.run(until_idle=True, idle_grace_s=0)
    alerts = pipe.store.alerts()
    assert alerts and all(a["published_at"] is not None for a in alerts), "published once the broker was back"
    assert _alerts_sent(broker, settings) == Counter({a["alert_id"]: 1 for a in alerts})


def _year(agencies=("ha-noi", "hue", "lai-chau", "nghe-an")) -> list[dict]:
    """Figures from January to April for agencies on both partitions, a correction and a
    retraction among them."""
    events = []
    for month in (1, 2, 3, 4):
        for i, agency in enumerate(agencies):
            events.append(_online(agency, f"2025-{month:02d}-{5 + i:02d}", 10 * month + i,
                                  event_id=f"{agency}-online-{month}"))
            events.append(event(agency, "procedures_local_data", f"2025-{month:02d}-{10 + i:02d}",
                                {"type": "count", "count": 20 * month + i}))
    events.append(_online("hue", "2025-02-06", 55, kind="correction", amends="hue-online-2"))
    events.append(event("nghe-an", "online_dossier_rate", "2025-03-08", kind="retraction",
                        amends="nghe-an-online-3"))
    return events


def test_redelivered_messages_are_applied_once_and_equal_a_rebuild(pipe, settings, broker):
    entries = pipe.record(*_year())
    pipe.announce(entries[:5])  # ingest published some twice (its outbox is at least once)
    w = pipe.worker()
    batch = w._consumer.poll()
    assert len(batch) == len(entries) + 5
    w.step(batch)
    w.step(batch)  # the same records again, as after a rebalance back to this member
    assert (w.stats.applied, w.stats.duplicates) == (len(entries), 2 * len(batch) - len(entries))
    assert pipe.store.observation_count() == len(entries)
    assert pipe.stored_offsets(w.group) == pipe.ends()
    w._consumer.close()

    restarted = pipe.worker()
    assert restarted._consumer.poll() == [], "positions come from the stored offsets"
    restarted.step(batch, refresh_days=None)  # handed the same records once more, after a restart
    assert (restarted.stats.applied, restarted.stats.duplicates) == (0, len(batch))
    assert pipe.store.observation_count() == len(entries)
    assert pipe.stored_offsets(w.group) == pipe.ends()

    days = snapshot_days(TODAY, PROJECTOR)
    head = pipe.ledger.head_seq()
    projections, snapshots = pipe.store.projection_rows(), SnapshotReader(pipe.file.engine).rows_at(days, head)
    assert snapshots is not None
    rebuild(pipe.store, pipe.ledger, PROJECTOR, TODAY)
    assert pipe.store.projection_rows() == projections
    assert SnapshotReader(pipe.file.engine).rows_at(days, head) == snapshots


def test_a_batch_consumed_meanwhile_by_another_member_seeks_back_to_the_stored_offsets(pipe, settings, broker):
    entries = pipe.record(*_year())
    stale = pipe.worker()
    batch = stale._consumer.poll()  # alone in the group: both partitions
    fresh = pipe.worker()  # joins: each member gets one partition at its next poll
    fresh.step(fresh._consumer.poll())
    [(topic, taken)] = fresh._consumer.assignment()
    ends = pipe.ends()
    assert pipe.stored_offsets(stale.group) == {taken: ends[taken], 1 - taken: None}

    stale._handle(batch)  # its expected offsets are stale for the partition the other consumed
    assert stale.stats.retries == 1 and (stale.stats.batches, stale.stats.applied) == (0, 0)
    assert stale._consumer.positions == {(topic, taken): ends[taken], (topic, 1 - taken): 0}, \
        "sought back to the stored offsets (the start where none is stored)"
    assert pipe.stored_offsets(stale.group) == {taken: ends[taken], 1 - taken: None}, "nothing written"
    assert pipe.store.observation_count() == fresh.stats.applied

    while stale._consumer.lag() or fresh._consumer.lag():  # the rebalance hands each its partition
        for w in (stale, fresh):
            w.step(w._consumer.poll())
    assert stale._consumer.assignment() == [(topic, 1 - taken)]
    assert stale.stats.applied + fresh.stats.applied == len(entries) == pipe.store.observation_count()
    assert pipe.stored_offsets(stale.group) == ends
    fold = fold_ledger(pipe.ledger.entries()).fold
    assert pipe.store.projection_rows() == PROJECTOR.full(fold, TODAY).as_rows(), "as a fold of the whole ledger"


def _assert_snapshots_equal_a_fold(pipe, days: list[date], seq: int) -> None:
    found = SnapshotReader(pipe.file.engine).rows_at(days, seq)
    assert found is not None, f"the snapshots reflect the ledger up to seq {seq}"
    fold = fold_ledger(pipe.ledger.entries(upto_seq=seq)).fold
    for day in days:
        assert projections_from_rows(found[day], day) == PROJECTOR.full(fold, day), day


def test_snapshots_equal_a_fold_of_the_ledger_once_the_scorer_has_applied_it(pipe, settings, broker):
    days = snapshot_days(TODAY, PROJECTOR)
    reader = SnapshotReader(pipe.file.engine)
    w = pipe.worker()
    first = pipe.record(*_year())
    w.step(w._consumer.poll(), refresh_days=None)
    _assert_snapshots_equal_a_fold(pipe, days, first[-1].seq)

    # A late January figure on partition 0, then a correction of February on partition 1.
    late = pipe.record(_online("ha-noi", "2025-01-20", 70),
                       _online("lai-chau", "2025-02-06", 45, kind="correction", amends="lai-chau-online-2"))
    head = pipe.ledger.head_seq()
    assert reader.rows_at(days, head) is None, "the scorer has not applied the ledger's last entries"
    assert reader.rows_at(days, first[-1].seq) is not None, "what it has applied is still readable"

    records = w._consumer.poll()
    w.step([r for r in records if r.partition == 1], refresh_days=None)  # the correction, not the late figure
    assert reader.position().highest_seq == head == late[1].seq
    assert reader.rows_at(days, head) is None, f"seq {late[0].seq} below it is not applied yet"
    assert reader.rows_at(days, late[0].seq) is None
    w.step([r for r in records if r.partition == 0], refresh_days=None)
    _assert_snapshots_equal_a_fold(pipe, days, head)

    # Without a refresh the days a late figure touches wait, the days before it stay
    # readable; a step that refreshes one day brings the oldest touched one up to date.
    january = pipe.record(_online("nghe-an", "2025-01-25", 33))
    w.step(w._consumer.poll())
    head = january[0].seq
    assert reader.rows_at(days, head) is None
    assert reader.rows_at([date(2025, 1, 31)], head) is None
    _assert_snapshots_equal_a_fold(pipe, [date(2024, 12, 31)], head)
    w.step([], refresh_days=1)
    _assert_snapshots_equal_a_fold(pipe, [date(2025, 1, 31)], head)
    assert reader.rows_at([date(2025, 2, 28)], head) is None
    w.step([], refresh_days=None)
    _assert_snapshots_equal_a_fold(pipe, days, head)
    assert w.stats.snapshot_refreshes == 5


def test_a_position_moved_forward_is_sought_back_to_the_stored_offset(pipe, settings, broker):
    first = pipe.record(*[_online(a, f"2025-03-{d:02d}", 5 * d) for d in range(1, 7) for a in ("ha-noi", "hue")])
    w = pipe.worker()
    w.step(w._consumer.poll())
    more = pipe.record(*[_online(a, f"2025-03-{d:02d}", 5 * d) for d in range(7, 13) for a in ("ha-noi", "hue")])
    stored = pipe.stored_offsets(w.group)[0]
    w._consumer.seek(settings.topics.ledger, 0, stored + 3)  # three records would be skipped
    w._handle(w._consumer.poll())
    while w._consumer.lag():
        w._handle(w._consumer.poll())
    assert pipe.store.observation_count() == len(first) + len(more)


def test_a_position_moved_back_does_not_move_the_stored_offset_back(pipe, settings, broker):
    pipe.record(*[_online(a, f"2025-03-{d:02d}", 5 * d) for d in range(1, 7) for a in ("ha-noi", "hue")])
    w = pipe.worker()
    w.step(w._consumer.poll())
    stored = pipe.stored_offsets(w.group)[0]
    w._consumer.seek(settings.topics.ledger, 0, 0)
    w._handle(w._consumer.poll(max_records=4))
    assert pipe.stored_offsets(w.group)[0] == stored
    assert w.stats.applied == pipe.store.observation_count()
