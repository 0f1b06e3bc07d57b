"""The scorer applies a ledger-topic message only when the ledger table holds that entry
(same seq, same hash, same event), and applies the table's row: whoever can write to the
topic cannot change the figures."""

from __future__ import annotations

import json
from pathlib import Path

from shared.config import Settings
from shared.db.ledger import Recorded
from shared.kafka import Record

from services.scorer.worker import ScorerWorker

from tests.factories import event_dict

TOPIC = "t.ledger.v1"


class _Ledger:
    """The ledger table as the scorer sees it; counts the look-ups."""

    def __init__(self, rows: dict[int, Recorded]) -> None:
        self.rows = rows
        self.calls: list[list[int]] = []

    def recorded(self, seqs):
        seqs = list(seqs)
        self.calls.append(seqs)
        return {s: self.rows[s] for s in seqs if s in self.rows}


def _payload(**kw) -> str:
    return json.dumps(event_dict(**kw), ensure_ascii=False, separators=(",", ":"))


def _message(seq: int, agency: str, pos: int, payload: str, hash_: str) -> bytes:
    return (f'{{"seq":{seq},"agency_id":"{agency}","chain_pos":{pos},"prev_hash":"{"0" * 64}",'
            f'"hash":"{hash_}","event":{payload}}}').encode()


def _record(offset: int, value: bytes) -> Record:
    return Record(TOPIC, 0, offset, b"k", value, 0)


def _worker(ledger: _Ledger) -> ScorerWorker:
    settings = Settings(database_url="sqlite://", kafka_bootstrap_servers="x:9092", topic_prefix="t",
                        data_dir=Path("."))
    return ScorerWorker(settings, broker=None, store=None, ledger=ledger)


def test_a_message_the_ledger_holds_is_applied_from_the_ledger_row():
    genuine = _payload(event_id="e-1")
    ledger = _Ledger({1: Recorded("a" * 64, "ha-noi", 1, genuine)})
    w = _worker(ledger)
    entries = w.verified([_record(0, _message(1, "ha-noi", 1, genuine, "a" * 64))]).entries
    assert [(e.seq, e.agency_id, e.event_id) for e in entries] == [(1, "ha-noi", "e-1")]
    assert w.stats.rejected == 0


def test_forged_messages_are_rejected_and_counted_with_one_lookup_per_batch():
    genuine = _payload(event_id="e-1")
    ledger = _Ledger({1: Recorded("a" * 64, "ha-noi", 1, genuine)})
    w = _worker(ledger)
    forged_figure = _payload(event_id="e-1", figure={"type": "ratio", "numerator": 100, "denominator": 100})
    batch = [
        _record(0, _message(7, "ha-noi", 2, _payload(event_id="e-7"), "b" * 64)),  # no such entry
        _record(1, _message(1, "ha-noi", 1, genuine, "c" * 64)),                    # another hash
        _record(2, _message(1, "ha-noi", 1, forged_figure, "a" * 64)),              # real seq and hash, other event
        _record(3, _message(1, "ha-noi", 1, genuine, "a" * 64)),                    # the genuine one
    ]
    entries = w.verified(batch).entries
    assert [e.seq for e in entries] == [1]
    assert entries[0].figure.num == 80, "the ledger row's figure, not a forged one"
    assert w.stats.rejected == 3
    assert ledger.calls == [[7, 1, 1, 1]], "one look-up for the whole batch"


def test_an_unreadable_message_is_malformed_not_a_lookup():
    ledger = _Ledger({})
    w = _worker(ledger)
    assert w.verified([_record(0, b"not json"), _record(1, b'{"seq":"1","hash":"x","event":{}}')]).entries == []
    assert (w.stats.malformed, w.stats.rejected, ledger.calls) == (2, 0, [])
