"""Issue 4's volume acceptance: exactly the distinct valid events in the ledger, exactly
the invalid ones in the dead letters, each with its reason code."""

from __future__ import annotations

import json
from collections import Counter

from shared.db.dead_letters import DeadLetterStore
from shared.domain.chain import first_break
from tests.integration.pipeline import Pipeline, assert_tree_sound
from tests.integration.streams import AGENCIES, mixed_stream


def test_ten_thousand_events_with_duplicates_and_invalid_ones(settings):
    p = Pipeline(settings)
    keys = {a: p.issue_key(a) for a in AGENCIES}
    stream = mixed_stream(10_000, keys)
    p.publish(stream.messages)

    worker = p.ingest()

    recorded = {(e.agency_id, e.event_id) for e in p.ledger.entries()}
    assert recorded == stream.valid_ids
    assert p.ledger.ledger_size() == len(stream.valid_ids)
    dead = DeadLetterStore(p.engine).list()
    assert {d.original: d.reason_code for d in dead} == stream.invalid
    assert len(dead) == len(stream.invalid) == 500
    assert len(Counter(stream.invalid.values())) >= 10
    assert worker.stats.duplicates == 500
    assert first_break(p.ledger.chain_rows()) is None
    topic = {json.loads(r.value)["hash"] for r in p.broker.read_all(settings.topics.ledger)}
    assert topic == {e.hash for e in p.ledger.entries()}
    assert_tree_sound(p)
    p.dispose()
