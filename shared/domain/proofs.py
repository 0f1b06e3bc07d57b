"""Inclusion and consistency proofs as files an auditor or an agency keeps and checks with
nothing but the file and the ledger's public key (docs/audit.md). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.domain.chain import entry_hash, recorded_text
from shared.domain.merkle import verify_consistency, verify_inclusion
from shared.domain.tree_head import TreeHead, entry_leaf_hash, head_problem

INCLUSION_KIND = "tiendo.inclusion-proof.v1"
CONSISTENCY_KIND = "tiendo.consistency-proof.v1"


@dataclass(frozen=True)
class ProvenEntry:
    """The ledger entry a proof is about: enough to recompute its entry hash."""

    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    payload: str
    prev_hash: str
    recorded_at: datetime
    hash: str

    def to_json(self) -> dict:
        """The entry as a proof file holds it."""
        return {"seq": self.seq, "agency_id": self.agency_id, "chain_pos": self.chain_pos, "event_id": self.event_id,
                "payload": self.payload, "prev_hash": self.prev_hash,
                "recorded_at": recorded_text(self.recorded_at), "hash": self.hash}


@dataclass(frozen=True)
class InclusionProof:
    """That an entry is leaf ``leaf_index`` of the tree a signed head names."""

    entry: ProvenEntry
    leaf_index: int
    audit_path: list[bytes]
    tree_head: TreeHead

    def to_json(self) -> dict:
        """The proof file's content."""
        return {"kind": INCLUSION_KIND, "leaf_index": self.leaf_index, "tree_size": self.tree_head.tree_size,
                "leaf_hash": entry_leaf_hash(self.entry.hash).hex(), "audit_path": [h.hex() for h in self.audit_path],
                "entry": self.entry.to_json(), "tree_head": self.tree_head.to_json()}


@dataclass(frozen=True)
class ConsistencyProof:
    """That the tree of an older signed head is a prefix of a newer one's."""

    old: TreeHead
    new: TreeHead
    path: list[bytes]

    def to_json(self) -> dict:
        """The proof file's content."""
        return {"kind": CONSISTENCY_KIND, "from_size": self.old.tree_size, "to_size": self.new.tree_size,
                "proof": [h.hex() for h in self.path], "from": self.old.to_json(), "to": self.new.to_json()}


def check_proof(data: dict, name: str, public_key: bytes) -> list[str]:
    """Everything wrong with a proof file's content against the ledger key (``name``,
    ``public_key``); an empty list when it proves what it says."""
    try:
        kind = data.get("kind")
        if kind == INCLUSION_KIND:
            return _inclusion_problems(data, name, public_key)
        if kind == CONSISTENCY_KIND:
            return _consistency_problems(data, name, public_key)
    except KeyError as exc:
        return [f"the file is not a well-formed {data.get('kind')}: it has no {exc.args[0]!r}"]
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:  # OverflowError: 1e400 reads as infinity
        return [f"the file is not a well-formed {data.get('kind')}: {exc}"]
    return [f"kind {data.get('kind')!r} is neither {INCLUSION_KIND!r} nor {CONSISTENCY_KIND!r}"]


def _path(values) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def _inclusion_problems(data: dict, name: str, public_key: bytes) -> list[str]:
    head = TreeHead.from_json(data["tree_head"])
    problems = [p for p in [head_problem(head, name, public_key)] if p]
    e = data["entry"]
    recorded = datetime.fromisoformat(e["recorded_at"].replace("Z", "+00:00"))
    recomputed = entry_hash(e["prev_hash"], e["agency_id"], int(e["chain_pos"]), e["event_id"], e["payload"], recorded)
    if recomputed != e["hash"]:
        problems.append("the entry's content does not hash to its entry hash")
    leaf = entry_leaf_hash(e["hash"])
    if leaf.hex() != data["leaf_hash"]:
        problems.append("the leaf hash is not SHA-256(0x00 ‖ entry hash)")
    if int(data["tree_size"]) != head.tree_size:
        problems.append(f"the proof is for a tree of {data['tree_size']} leaves, its head for {head.tree_size}")
    if not verify_inclusion(leaf, int(data["leaf_index"]), head.tree_size, _path(data["audit_path"]), head.root_hash):
        problems.append(f"the audit path does not lead from leaf {data['leaf_index']} to the head's root")
    return problems


def _consistency_problems(data: dict, name: str, public_key: bytes) -> list[str]:
    old, new = TreeHead.from_json(data["from"]), TreeHead.from_json(data["to"])
    problems = [p for p in (head_problem(old, name, public_key), head_problem(new, name, public_key)) if p]
    if (int(data["from_size"]), int(data["to_size"])) != (old.tree_size, new.tree_size):
        problems.append("from_size and to_size are not the sizes of the two heads")
    if not verify_consistency(old.tree_size, old.root_hash, new.tree_size, new.root_hash, _path(data["proof"])):
        problems.append(f"the proof does not show the tree of {old.tree_size} leaves is a prefix of the tree "
                        f"of {new.tree_size}")
    return problems
