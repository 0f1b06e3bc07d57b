"""The hash chain that makes the ledger tamper-evident: one chain per agency, each entry
carrying the hash of the previous one. Pure functions, shared by ingest and verify."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from json.encoder import encode_basestring

GENESIS_HASH = "0" * 64


def content_digest(canonical: bytes) -> str:
    """SHA-256 of an event's canonical bytes: equal digests mean the same event content."""
    return hashlib.sha256(canonical).hexdigest()


def recorded_text(recorded_at: datetime) -> str:
    """How an entry's recorded time enters its hash: UTC, microseconds, ``Z``
    (``2025-04-02T02:30:00.000000Z``); a naive datetime (SQLite's) is UTC already."""
    if recorded_at.tzinfo is not None:
        recorded_at = recorded_at.astimezone(timezone.utc).replace(tzinfo=None)
    if recorded_at.year < 1000:  # strftime's %Y leaves such a year unpadded, and hashes have it so
        return recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # isoformat: the same text, a fifth of strftime's cost, three times an entry in ingest.
    return recorded_at.isoformat("T", "microseconds") + "Z"


def entry_hash(prev_hash: str, agency_id: str, chain_pos: int, event_id: str, payload: str,
               recorded_at: datetime) -> str:
    """The hash of one ledger entry. The fields are JSON-encoded as a list so that no
    two different entries can produce the same byte string: the bytes of
    ``json.dumps([prev_hash, agency_id, chain_pos, event_id, payload, recorded_text(recorded_at)],
    ensure_ascii=False, separators=(",", ":"))``, written out with the encoder's own string
    function because the general encoder cost more than the hash (tests/unit/test_chain.py
    checks both agree). The time ingest recorded the entry is inside: nobody can move it."""
    s = encode_basestring
    material = (f"[{s(prev_hash)},{s(agency_id)},{int(chain_pos)!r},{s(event_id)},{s(payload)},"
                f"{s(recorded_text(recorded_at))}]")
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    """A ledger row as stored: every column, for verify."""

    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    payload: str
    prev_hash: str
    hash: str
    recorded_at: datetime
    target_id: str = ""
    kind: str = ""
    observed_at: date | None = None
    amends: str | None = None
    content_digest: str = ""


@dataclass(frozen=True)
class ChainBreak:
    """The first entry of a chain that does not match, and why."""

    seq: int
    agency_id: str
    chain_pos: int
    reason: str

    def describe(self) -> str:
        """One line an operator can act on."""
        return (
            f"entry seq={self.seq} (agency {self.agency_id}, chain position {self.chain_pos}) "
            f"does not match: {self.reason}"
        )


EntryCheck = Callable[[ChainRow], "str | None"]
"""A further check of one entry whose hash matched: a problem described, or None."""


def find_breaks(rows: Iterable[ChainRow], check: EntryCheck | None = None) -> list[ChainBreak]:
    """The first break of every chain. `rows` must be ordered by agency, then chain_pos.
    ``check`` (verify's: columns against the payload, the signature) runs on each entry
    whose place and hash in its chain are right."""
    breaks: list[ChainBreak] = []
    agency: str | None = None
    expected_pos, expected_prev, last_seq, broken = 1, GENESIS_HASH, 0, False
    for row in rows:
        if row.agency_id != agency:
            agency, expected_pos, expected_prev, last_seq, broken = row.agency_id, 1, GENESIS_HASH, 0, False
        if broken:
            continue
        reason = None
        if row.chain_pos != expected_pos:
            reason = (
                f"expected chain position {expected_pos}, found {row.chain_pos} "
                "(an entry was deleted, inserted or reordered)"
            )
        elif row.prev_hash != expected_prev:
            reason = "its previous-hash does not equal the hash of the entry before it"
        elif row.seq <= last_seq:
            reason = f"its seq {row.seq} is not after the seq of the entry before it in its chain ({last_seq})"
        elif entry_hash(row.prev_hash, row.agency_id, row.chain_pos, row.event_id, row.payload,
                        row.recorded_at) != row.hash:
            reason = "its content or recorded time does not hash to the stored hash (the row was edited)"
        elif check is not None:
            reason = check(row)
        if reason:
            breaks.append(ChainBreak(row.seq, row.agency_id, row.chain_pos, reason))
            broken = True
            continue
        expected_pos, expected_prev, last_seq = row.chain_pos + 1, row.hash, row.seq
    return breaks


def first_break(rows: Iterable[ChainRow], check: EntryCheck | None = None) -> ChainBreak | None:
    """The earliest break in ledger order (lowest seq) across all chains, if any."""
    breaks = find_breaks(rows, check)
    return min(breaks, key=lambda b: b.seq) if breaks else None
