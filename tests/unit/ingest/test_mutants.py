"""The fuzzer's property without a broker, so Hypothesis can shrink a counterexample: no
mutant of a recorded event (chaos/fuzz.py) is admitted or taken for a re-send."""

from __future__ import annotations

from datetime import date

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.ingest.admission import decide
from shared.kafka import Record
from tests.factories import registry, signing_key, utc

from chaos.fuzz import AGENCIES, mutation, originals, same_meaning

TODAY = date(2026, 1, 15)
NOW = utc(2026, 1, 15, 3)
KEYS = {a: signing_key(a) for a in AGENCIES}
SOURCES = originals(KEYS, 30)
KNOWN = {(o.event["agency_id"], o.event["event_id"]): o.known() for o in SOURCES}


def _decide(key, value):
    record = Record("raw", 0, 0, key.encode() if isinstance(key, str) else key, value, 0)
    return decide([record], registry(*KEYS.values()), lambda _event: NOW, TODAY,
                  lambda keys: {k: v for k, v in KNOWN.items() if k in keys}, lambda keys: set())


def test_the_originals_are_valid_and_already_recorded():
    for o in SOURCES:
        assert _decide(o.key, o.value).duplicates == 1


@settings(max_examples=1500, deadline=None)
@given(st.data())
def test_no_mutant_is_admitted(data):
    o = data.draw(st.sampled_from(SOURCES))
    m = data.draw(mutation(o))
    assume(not same_meaning(m, o))  # a re-send in other words is no bad input
    decisions = _decide(m.key, m.value)
    assert decisions.accepted == [] and decisions.duplicates == 0, m
    [rejected] = decisions.rejected
    # Its dead letter must be storable: no NUL (PostgreSQL), nothing that is not UTF-8.
    assert "\x00" not in rejected.message
    rejected.message.encode("utf-8")
