"""A small ledger held in memory, its Merkle tree built with shared/domain/merkle.py and its
heads signed with a ledger key made for the test: proof files without a database or a
broker, for the unit tests of proofs and for the Go checker's test. Also the examples
docs/contract.md §10 shows, which the tests require to hold."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from shared.domain.chain import GENESIS_HASH, entry_hash
from shared.domain.merkle import consistency_proof, inclusion_proof, root_hash
from shared.domain.proofs import ConsistencyProof, InclusionProof, ProvenEntry
from shared.domain.tree_head import TreeHead, entry_leaf_hash, sign_head
from shared.keyfiles import LEDGER_KEY_NAME, OperatorKey, public_path
from tests.unit.domain.samples import CONTRACT_MD

SIGNED_AT = datetime(2025, 12, 31, 16, 59, 59, 123456, tzinfo=timezone.utc)

AWKWARD_PAYLOADS = [
    '{"agency_id":"ha-noi","note":"Thành phố Hà Nội: 87,5% hồ sơ trực tuyến"}',
    '{"note":"<b>Nghệ An</b> & Bộ Tư pháp > 0 < 1"}',  # what Go escapes unless told not to
    'line\u2028separator\u2029paragraph, escaped: \\u2028 \\\\u2029',  # U+2028/9 raw and as text
    'controls \x00\x01\x1f\x7f\b\f\n\r\t, quote " and backslash \\',
    'emoji 🇻🇳 and a combining mark: Tiến độ (NFD: Tiê\u0301n đô\u0323)',
]
"""Payloads whose JSON string form differs between encoders that are not careful."""


@dataclass(frozen=True)
class SmallLedger:
    """One agency's entries, their leaf hashes and the key that signs heads over them."""

    key: OperatorKey
    public_key_file: Path
    entries: list[ProvenEntry]

    @property
    def leaves(self) -> list[bytes]:
        """The leaf hashes, in ledger order."""
        return [entry_leaf_hash(e.hash) for e in self.entries]

    def head(self, size: int) -> TreeHead:
        """The signed head of the first ``size`` entries (a second later for each size)."""
        return sign_head(self.key, size, root_hash(self.leaves[:size]), SIGNED_AT + timedelta(seconds=size))

    def inclusion(self, index: int, size: int | None = None) -> dict:
        """The proof file of entry ``index`` under the head of ``size`` entries (default: all)."""
        size = len(self.entries) if size is None else size
        path = inclusion_proof(index, self.leaves[:size])
        return InclusionProof(self.entries[index], index, path, self.head(size)).to_json()

    def consistency(self, old_size: int, size: int | None = None) -> dict:
        """The proof file that the head of ``old_size`` entries is a prefix of that of ``size``."""
        size = len(self.entries) if size is None else size
        path = consistency_proof(old_size, self.leaves[:size])
        return ConsistencyProof(self.head(old_size), self.head(size), path).to_json()


def small_ledger(directory: Path, payloads: list[str], agency_id: str = "ha-noi") -> SmallLedger:
    """A ledger of one entry per payload, chained as ingest chains them, with a new ledger
    key written to ``directory`` (its public key file beside it)."""
    private = directory / "ledger.key.pem"
    key = OperatorKey.create(private, LEDGER_KEY_NAME)
    entries, prev = [], GENESIS_HASH
    for pos, payload in enumerate(payloads, start=1):
        recorded = SIGNED_AT - timedelta(days=pos, microseconds=pos)
        h = entry_hash(prev, agency_id, pos, f"{agency_id}-{pos:04d}", payload, recorded)
        entries.append(ProvenEntry(pos, agency_id, pos, f"{agency_id}-{pos:04d}", payload, prev, recorded, h))
        prev = h
    return SmallLedger(key, public_path(private), entries)


def contract_examples() -> tuple[str, dict, dict, dict]:
    """The verifier key, receipt, signed head and inclusion proof docs/contract.md §10 shows."""
    text = CONTRACT_MD.read_text("utf-8")
    section = text[text.index("## 10. "):]
    [key] = re.findall(r"with the verifier key `([^`]+)`", section)
    receipt = json.loads(re.search(r"### 10\.1.*?```json\n(.*?)```", section, re.DOTALL)[1])
    head = json.loads(re.search(r"### 10\.2.*?```json\n(.*?)```", section, re.DOTALL)[1])
    proof = json.loads(re.search(r"### 10\.4.*?```json\n(.*?)```", section, re.DOTALL)[1])
    return key, receipt, head, proof
