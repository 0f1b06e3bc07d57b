"""The benchmark's events and keys (bench/events.py): once register_keys has put the
simulated agencies' public keys in a registry, ingest's admission on the replayed clock
accepts exactly the messages the dataset says become ledger entries: the Ed25519
verification the benchmark times is the real one, not a stream of refusals."""

from __future__ import annotations

from shared.clock import vietnam_today
from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyStore
from shared.kafka.client import Record

from services.ingest.admission import decide

from bench.events import generate, key_ring, load, register_keys, save


def test_registered_keys_let_the_dataset_through_as_it_says(tmp_path):
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    migrate(url)
    engine = make_engine(url)
    store = KeyStore(engine)
    try:
        ring = key_ring()
        assert register_keys(store) == len(ring.keys)
        assert register_keys(store) == len(ring.keys), "registering again adds nothing and refuses nothing"
        assert len(store.events()) == len(ring.keys)

        data = generate(600, ring)
        path = tmp_path / "events.bin"
        save(data, path)
        assert load(path) == data
        assert load(path, limit=10) == data.head(10)

        records = [Record("p", 0, i, k.encode() if k is not None else None, v, 0)
                   for i, (k, v) in enumerate(data.messages)]
        decisions = decide(records, store.all(), lambda ev: ev.reported_at, vietnam_today(), lambda _w: {},
                           lambda _a: set())
        assert sorted((a.event.agency_id, a.event.event_id) for a in decisions.accepted) == sorted(
            r for r in data.recorded if r)
    finally:
        engine.dispose()
