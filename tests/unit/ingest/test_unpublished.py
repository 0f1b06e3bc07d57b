"""The ledger as its own outbox, through the real store on SQLite: a batch notes the
leaves it appended as unpublished, one row, and its entries' messages are built again
from the entries until the range is cleared (issue 15)."""

from __future__ import annotations

from sqlalchemy import func, select

from shared.db.ledger import Batch, LedgerStore
from shared.db.schema import outbox

from tests.fakes.ledger import sqlite_ledger
from tests.unit.ingest.test_tree_store import Chains


def _commit(store: LedgerStore, entries, kept=()) -> Batch:
    batch = Batch(group="test", entries=entries)
    store.commit_batch(batch, lambda stored, dead, head, now: list(kept))
    return batch


def test_each_batch_is_one_unpublished_range_until_cleared_and_only_kept_messages_enter_the_outbox(tmp_path):
    store, chains = sqlite_ledger(tmp_path), Chains()
    try:
        first = _commit(store, chains.entries(5))
        second = _commit(store, chains.entries(3), kept=[("heads", b"k", b"a head")])
        assert (first.unpublished, second.unpublished) == ([0], [5])
        with store.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() == 1
        firsts, entries = store.unpublished_entries()
        assert firsts == [0, 5]
        assert [e.leaf_index for e in entries] == list(range(8))
        assert [(e.agency_id, e.chain_pos, e.hash) for e in entries] == \
            [(e.agency_id, e.chain_pos, e.hash) for e in store.entries()]

        store.clear_outbox(first.outbox_ids, first.unpublished)  # the first batch was published
        firsts, entries = store.unpublished_entries()
        assert firsts == [5] and [e.leaf_index for e in entries] == [5, 6, 7]
        assert _commit(store, []).unpublished == []  # a batch of dead letters only appends nothing

        store.clear_outbox(second.outbox_ids, second.unpublished)
        assert store.unpublished_entries() == ([], []) and store.pending_outbox() == []
    finally:
        store.engine.dispose()


def test_a_limit_takes_whole_batches_oldest_first_and_at_least_one(tmp_path):
    store, chains = sqlite_ledger(tmp_path), Chains()
    try:
        for size in (4, 4, 4):
            _commit(store, chains.entries(size))
        assert store.unpublished_entries(limit=9)[0] == [0, 4]
        assert store.unpublished_entries(limit=2)[0] == [0]  # a batch larger than the limit still goes
        firsts, entries = store.unpublished_entries(limit=2)
        assert len(entries) == 4
    finally:
        store.engine.dispose()
