"""Proofs the operator hands out: an event's inclusion under a signed head, and one head's
consistency with a later one (docs/audit.md). Reads the stored tree, never the whole ledger."""

from __future__ import annotations

from shared.clock import as_utc
from shared.db.ledger import LedgerStore
from shared.db.tree import TreeStore
from shared.domain.proofs import ConsistencyProof, InclusionProof, ProvenEntry
from shared.domain.tree_head import TreeHead


class ProofUnavailable(LookupError):
    """What was asked cannot be proven (yet): the message says why."""


def signed_head(tree: TreeStore, tree_size: int | None = None, covering: int = 0) -> TreeHead:
    """The head issued at ``tree_size`` leaves, or the newest; it must cover ``covering`` leaves."""
    head = tree.head(tree_size) if tree_size is not None else tree.latest_head()
    if head is None:
        raise ProofUnavailable(f"no tree head was issued at size {tree_size}" if tree_size is not None
                               else "no tree head was issued yet (ingest issues them while it runs)")
    if head.tree_size < covering:
        raise ProofUnavailable(f"the {'newest ' if tree_size is None else ''}tree head covers {head.tree_size} "
                               f"leaves; leaf {covering - 1} is not under it yet (wait for the next head)")
    return head


def prove_inclusion(ledger: LedgerStore, agency_id: str, event_id: str, tree_size: int | None = None
                    ) -> InclusionProof:
    """The inclusion proof of an agency's event under the head of ``tree_size`` (default: the newest)."""
    e = ledger.entry_of_event(agency_id, event_id)
    if e is None:
        raise ProofUnavailable(f"the ledger has no event {event_id!r} of agency {agency_id!r}")
    head = signed_head(ledger.tree, tree_size, covering=e.leaf_index + 1)
    path = ledger.tree.inclusion_proof(e.leaf_index, head.tree_size)
    entry = ProvenEntry(e.seq, e.agency_id, e.chain_pos, e.event_id, e.payload, e.prev_hash, as_utc(e.recorded_at),
                        e.hash)
    return InclusionProof(entry, e.leaf_index, path, head)


def prove_consistency(tree: TreeStore, from_size: int, to_size: int | None = None) -> ConsistencyProof:
    """The consistency proof from the head of ``from_size`` to that of ``to_size`` (default: the newest)."""
    old = signed_head(tree, from_size)
    new = signed_head(tree, to_size)
    if new.tree_size < old.tree_size:
        raise ProofUnavailable(f"the head of {new.tree_size} leaves is older than that of {old.tree_size}")
    if old.tree_size == 0:
        raise ProofUnavailable("the empty tree is a prefix of every tree: there is nothing to prove")
    return ConsistencyProof(old, new, tree.consistency_proof(old.tree_size, new.tree_size))
