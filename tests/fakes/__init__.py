"""In-memory stand-ins for the ports in `shared.ports`, shared by the unit tests: a broker
with topics, partitions, consumer groups and failures on demand, and the ledger store on
a throw-away SQLite file (see `tests.fakes.ledger` for why not an in-memory fake)."""

from tests.fakes.broker import Crash, FakeBroker, FakeConsumer, FakeProducer, broker_for, fake_settings
from tests.fakes.ledger import FailingOnce, StaticKeys, sqlite_ledger

__all__ = ["Crash", "FailingOnce", "FakeBroker", "FakeConsumer", "FakeProducer", "StaticKeys", "broker_for",
           "fake_settings", "sqlite_ledger"]
