"""Receipts (issue 14): every accepted event gets exactly one acknowledgement on
`<prefix>.receipts.v1`, keyed by its agency, saying where the ledger recorded it; its
inclusion proof is there once a signed head covers it. Rejected events get a dead letter
and no receipt. On SQLite and PostgreSQL, through the real broker."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from shared.db.dead_letters import DeadLetterStore
from shared.domain.chain import recorded_text
from shared.domain.proofs import check_proof

from services.ingest.proving import ProofUnavailable, prove_inclusion
from tests.integration.streams import AGENCIES, mixed_stream


def test_each_accepted_event_has_one_receipt_and_a_proof_once_a_head_covers_it(pipeline):
    p = pipeline
    keys = {a: p.issue_key(a) for a in AGENCIES[:4]}
    stream = mixed_stream(400, keys)  # valid events, exact re-sends, and bad ones of many kinds
    p.publish(stream.messages)

    p.ingest(heads=None)  # no head yet: recorded, acknowledged, not provable

    records = p.broker.read_all(p.settings.topics.receipts)
    receipts = [json.loads(r.value) for r in records]
    ids = [(m["agency_id"], m["event_id"]) for m in receipts]
    # Each accepted event once: none for a re-send, none for a rejected one (an id conflict
    # reuses an accepted event's id: a second receipt for it would show here).
    assert Counter(ids) == Counter(stream.valid_ids) and len(ids) == p.ledger.ledger_size()
    assert [r.key for r in records] == [m["agency_id"].encode() for m in receipts]
    assert {d.original: d.reason_code for d in DeadLetterStore(p.engine).list()} == stream.invalid
    for m in receipts:
        e = p.ledger.entry_of_event(m["agency_id"], m["event_id"])
        assert m == {"kind": "tiendo.receipt.v1", "agency_id": e.agency_id, "event_id": e.event_id, "seq": e.seq,
                     "chain_pos": e.chain_pos, "leaf_index": e.leaf_index, "entry_hash": e.hash,
                     "prev_hash": e.prev_hash, "recorded_at": recorded_text(e.recorded_at)}
    first = receipts[0]
    with pytest.raises(ProofUnavailable, match="no tree head was issued yet"):
        prove_inclusion(p.ledger, first["agency_id"], first["event_id"])

    p.ingest()  # nothing new to record: caught up at once, it signs a head over every leaf

    [head] = p.ledger.tree.heads()
    assert head.tree_size == len(receipts)
    for m in receipts:
        proof = prove_inclusion(p.ledger, m["agency_id"], m["event_id"])
        assert (proof.leaf_index, proof.entry.hash, proof.tree_head) == (m["leaf_index"], m["entry_hash"], head)
        assert check_proof(proof.to_json(), p.ledger_key.name, p.ledger_key.public_key) == []
    assert len(p.broker.read_all(p.settings.topics.receipts)) == len(receipts)  # and no receipt twice
