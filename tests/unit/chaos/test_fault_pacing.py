"""How chaos stream runs wait (issue 18): the publisher stops where the harness says and
goes on only when told, so a fault hits while the stream is still flowing; two kills of
one worker leave messages between them for the restarted worker to be back at work on."""

from __future__ import annotations

import random

import pytest

from chaos.scenarios import kill_schedule
from chaos.workers import Publisher, Worker
from tests.fakes import FakeBroker


def _publisher(n: int, allowed: int | None) -> tuple[FakeBroker, Publisher]:
    broker = FakeBroker()
    broker.ensure_topics(["raw"], 1)
    messages = [("k", f"m{i}".encode()) for i in range(n)]
    return broker, Publisher(broker, "raw", messages, chunk=4, allowed=allowed)


def test_the_publisher_stops_at_the_allowed_point_until_told_to_go_on():
    broker, publisher = _publisher(20, allowed=7)
    publisher.start()
    assert publisher.wait_sent(7, 30)
    assert not publisher.wait_sent(8, 0.2), "past the point it was allowed"
    assert publisher.is_alive() and broker.values("raw") == [f"m{i}".encode() for i in range(7)]
    publisher.allow(5)  # never fewer than before
    publisher.allow(13)
    assert publisher.wait_sent(13, 30) and not publisher.wait_sent(14, 0.2)
    publisher.allow(20)
    publisher.join(30)
    assert not publisher.is_alive() and publisher.error is None and publisher.sent == 20
    assert broker.values("raw") == [f"m{i}".encode() for i in range(20)]


def test_a_closed_publisher_stops_where_it_is():
    broker, publisher = _publisher(20, allowed=6)
    publisher.start()
    assert publisher.wait_sent(6, 30)
    publisher.close()
    publisher.join(30)
    assert not publisher.is_alive() and publisher.sent == 6 and len(broker.values("raw")) == 6
    assert not publisher.wait_sent(7, 0), "a finished publisher is not waited for"


def test_without_a_limit_it_publishes_everything():
    broker, publisher = _publisher(9, allowed=None)
    publisher.start()
    publisher.join(30)
    assert publisher.sent == 9 and len(broker.values("raw")) == 9


@pytest.mark.parametrize("seed", range(20))
def test_kills_of_one_worker_are_a_quarter_part_apart_within_the_stream(tmp_path, seed):
    workers = [Worker(name, [], {}, tmp_path / f"{name}.log") for name in ("ingest", "scorer")]
    faults = kill_schedule(random.Random(seed), workers, kills=3, first=200, end=4000)
    assert len(faults) == 6 and {f.name for f in faults} == {"SIGKILL ingest", "SIGKILL scorer"}
    part = (4000 - 200) / 3
    for w in workers:
        at = sorted(f.at for f in faults if f.victim is w)
        assert 200 <= at[0] and at[-1] < 4000
        assert all(b - a >= part / 4 - 1 for a, b in zip(at, at[1:]))
    assert {f.watch for f in faults} == {"ledger", "scorer"}


def test_too_many_kills_for_the_stream_are_refused(tmp_path):
    w = Worker("ingest", [], {}, tmp_path / "ingest.log")
    with pytest.raises(ValueError):
        kill_schedule(random.Random(1), [w], kills=10, first=0, end=30)
