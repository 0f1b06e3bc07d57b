"""The agencies' public keys over time, folded from the append-only key registry.

Every registration, rotation and revocation is a key event; nothing is ever updated. A
key signs for one agency, from its ``valid_from`` until it is rotated or revoked, and not
after its agency ceased to exist plus a grace period. Every check uses the time ingest
recorded an entry, never a time the signer wrote (docs/contract.md, section 5). Pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum

from shared.domain.agencies import get_agency
from shared.domain.chain import GENESIS_HASH
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.temporal import VIETNAM_TZ

REPORTED_AT_TOLERANCE = timedelta(minutes=5)
"""How far an event's reported_at may run ahead of the time ingest received it (clocks
drift); further ahead, an agency would be choosing when it reported."""

DISSOLVED_AGENCY_GRACE = timedelta(days=90)
"""How long after its last day a dissolved agency's key still signs: the quarter in which
its systems send their last reports and corrections before the successor takes over."""


class KeyAction(StrEnum):
    """What a key event did."""

    REGISTERED = "registered"
    ROTATED = "rotated"
    REVOKED = "revoked"


@dataclass(frozen=True)
class KeyEvent:
    """One entry of the key registry, as recorded (``hash`` chains it to the one before)."""

    seq: int
    action: KeyAction
    key_id: str
    agency_id: str
    public_key: str | None  # hex of the raw 32 bytes; registrations only
    effective_at: datetime  # from when the registration, rotation or revocation holds
    recorded_at: datetime
    actor: str
    prev_hash: str
    hash: str


def key_event_hash(prev_hash: str, action: str, key_id: str, agency_id: str, public_key: str | None,
                   effective_at: datetime, recorded_at: datetime, actor: str) -> str:
    """The hash of a key event: SHA-256 of its members and the previous hash as a JSON list."""
    material = json.dumps([prev_hash, action, key_id, agency_id, public_key, effective_at.isoformat(),
                           recorded_at.isoformat(), actor], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PublicKey:
    """One agency key as the registry's events leave it."""

    key_id: str
    agency_id: str
    public_key: bytes
    valid_from: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        """Neither rotated nor revoked."""
        return self.rotated_at is None and self.revoked_at is None


def fold_keys(events: Iterable[KeyEvent]) -> dict[str, PublicKey]:
    """Every key by id, from the registry's events in order."""
    keys: dict[str, PublicKey] = {}
    for e in events:
        if e.action is KeyAction.REGISTERED:
            keys[e.key_id] = PublicKey(e.key_id, e.agency_id, bytes.fromhex(e.public_key), e.effective_at)
        elif e.key_id in keys:
            field = "rotated_at" if e.action is KeyAction.ROTATED else "revoked_at"
            keys[e.key_id] = replace(keys[e.key_id], **{field: e.effective_at})
    return keys


def chain_problem(events: Iterable[KeyEvent]) -> str | None:
    """The first key event that does not extend the registry's hash chain, described."""
    prev = GENESIS_HASH
    for e in events:
        expected = key_event_hash(prev, e.action.value, e.key_id, e.agency_id, e.public_key, e.effective_at,
                                  e.recorded_at, e.actor)
        if e.prev_hash != prev or e.hash != expected:
            return f"key event seq={e.seq} ({e.action.value} {e.key_id}) does not match its hash chain"
        prev = e.hash
    return None


def agency_signs_until(agency_id: str) -> datetime | None:
    """The moment an agency's keys stop signing: the end of its last day plus the grace
    period; None while it exists."""
    last_day = get_agency(agency_id).valid_to
    if last_day is None:
        return None
    return datetime.combine(last_day + timedelta(days=1), time(), VIETNAM_TZ) + DISSOLVED_AGENCY_GRACE


def check_key(key: PublicKey | None, key_id: str, agency_id: str, at: datetime) -> PublicKey:
    """The key, if it may sign for ``agency_id`` at ``at`` (ingest's recorded time);
    otherwise ContractViolation naming why not."""
    if key is None:
        raise ContractViolation(ReasonCode.UNKNOWN_KEY, f"no signing key has id {key_id!r}")
    if key.agency_id != agency_id:
        raise ContractViolation(
            ReasonCode.FOREIGN_SIGNATURE, f"signed with a key of {key.agency_id!r}, but the event is for {agency_id!r}")
    if key.revoked_at is not None and at >= key.revoked_at:
        raise ContractViolation(ReasonCode.REVOKED_KEY, f"key {key_id!r} was revoked on {_vietnam_time(key.revoked_at)}")
    if key.rotated_at is not None and at >= key.rotated_at:
        raise ContractViolation(
            ReasonCode.REVOKED_KEY,
            f"key {key_id!r} was rotated on {_vietnam_time(key.rotated_at)} and signs nothing received after that; "
            "sign with the agency's new key")
    if at < key.valid_from:
        raise ContractViolation(ReasonCode.KEY_NOT_YET_VALID,
                                f"key {key_id!r} is valid from {_vietnam_time(key.valid_from)}, after this event arrived")
    until = agency_signs_until(agency_id)
    if until is not None and at >= until:
        raise ContractViolation(
            ReasonCode.AGENCY_DISSOLVED,
            f"{agency_id!r} ceased to exist on {get_agency(agency_id).valid_to.isoformat()}; its keys signed until "
            f"{_vietnam_time(until)} ({DISSOLVED_AGENCY_GRACE.days} days' grace); its successor reports now")
    return key


def _vietnam_time(moment: datetime) -> str:
    return f"{moment.astimezone(VIETNAM_TZ):%Y-%m-%d %H:%M} (giờ Việt Nam)"



def check_reported_at(reported_at: datetime, received_at: datetime) -> None:
    """ContractViolation when ``reported_at`` is more than the tolerance after the time
    ingest received the event."""
    if reported_at > received_at + REPORTED_AT_TOLERANCE:
        raise ContractViolation(
            ReasonCode.REPORTED_IN_FUTURE,
            f"reported_at {reported_at.isoformat()} is later than when the event was received "
            f"({_vietnam_time(received_at)}) by more than {int(REPORTED_AT_TOLERANCE.total_seconds() // 60)} minutes; "
            "send the time the agency actually reported", field="reported_at")
