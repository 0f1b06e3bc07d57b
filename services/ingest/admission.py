"""Decides, for each consumed message, whether it becomes a ledger entry, is a harmless
duplicate, or goes to the dead letters with a reason code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from shared.db.ledger import KnownEvent
from shared.domain.canonical import ParsedEvent, parse
from shared.domain.agencies import get_agency
from shared.domain.chain import content_digest
from shared.domain.events import AGENCY_ID_PATTERN, EVENT_ID_PATTERN, EventKind
from shared.domain.keyring import PublicKey, check_key, check_reported_at
from shared.domain.reasons import ContractViolation, ReasonCode
from shared.domain.signing import signature_matches
from shared.domain.validation import registry_problem
from shared.kafka import Record

MAX_MESSAGE_BYTES = 1024 * 1024
AMENDING_KINDS = (EventKind.CORRECTION, EventKind.RETRACTION)
_AGENCY_ID = re.compile(AGENCY_ID_PATTERN)
_EVENT_ID = re.compile(EVENT_ID_PATTERN)


@dataclass(frozen=True)
class Admitted:
    """A message that passed every check that needs no ledger state."""

    record: Record
    event: ParsedEvent
    digest: str
    recorded_at: datetime | None = None
    """When ingest recorded it: set once every check has passed at that time."""

    @property
    def payload(self) -> str:
        """The event as the ledger records it (its wire form)."""
        return self.event.payload

    @property
    def key(self) -> tuple[str, str]:
        return (self.event.agency_id, self.event.event_id)


@dataclass(frozen=True)
class Rejected:
    """A message bound for the dead letters."""

    record: Record
    code: ReasonCode
    message: str
    agency_id: str | None = None
    event_id: str | None = None


@dataclass
class Decisions:
    """The outcome of one batch, in consumption order."""

    accepted: list[Admitted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    duplicates: int = 0


def verify_signature(event: ParsedEvent, keys: dict[str, PublicKey], received_at: datetime) -> None:
    """Raise ContractViolation unless the event is signed by a key of its own agency that
    may sign at ``received_at`` (the time ingest records, never one the signer wrote)."""
    if event.key_id is None:
        raise ContractViolation(ReasonCode.MISSING_SIGNATURE, "the event carries no signature")
    key = check_key(keys.get(event.key_id), event.key_id, event.agency_id, received_at)
    if not signature_matches(event.canonical, key.public_key, event.signature):
        raise ContractViolation(
            ReasonCode.BAD_SIGNATURE, "the signature does not match the event's content (altered or wrongly signed)"
        )


def admit(record: Record, today: date) -> Admitted | Rejected:
    """Every check on one message that needs neither ledger state nor a signature
    verification (which waits until the message is known not to be a re-delivery)."""
    value = record.value
    # Key and value: a huge key is as heavy for the dead letters as a huge value.
    size = len(value or b"") + len(record.key or b"")
    if size > MAX_MESSAGE_BYTES:
        return Rejected(record, ReasonCode.MESSAGE_TOO_LARGE, f"{size} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit",
                        _agency_of_key(record.key))
    try:
        event = parse(value or b"", today=today)
    except ContractViolation as exc:
        return Rejected(record, exc.code, exc.message, *_named_by(record))
    ids = dict(agency_id=event.agency_id, event_id=event.event_id)
    try:
        if not record.key:
            raise ContractViolation(ReasonCode.MISSING_KEY, "the Kafka message has no key; the key must be the agency_id")
        if record.key != event.agency_id.encode("utf-8"):
            raise ContractViolation(
                ReasonCode.KEY_MISMATCH,
                f"Kafka key {record.key.decode('utf-8', 'replace')!r} is not the event's agency_id {event.agency_id!r}",
            )
        problem = registry_problem(event.agency_id, event.target_id, event.figure_type, event.observed_at)
        if problem is not None:
            raise ContractViolation(*problem)
    except ContractViolation as exc:
        return Rejected(record, exc.code, exc.message, **ids)
    return Admitted(record, event, content_digest(event.canonical))


class _Members(list):
    """A JSON object's members as (name, value) pairs, in order, repeats kept."""


def _named_by(record: Record) -> tuple[str | None, str | None]:
    """(agency_id, event_id) that a message which is no valid event names, for its dead
    letter (docs/contract.md §7): each from its body when the body is a JSON object
    holding that member once, as a string the contract's pattern allows, however wrong
    the rest; the agency, failing that, from the Kafka key when it is an agency of the
    registry. None for what it does not name."""
    agency_id = event_id = None
    try:
        body = json.loads((record.value or b"").decode("utf-8"), object_pairs_hook=_Members,
                          parse_constant=_not_json)
    except (UnicodeDecodeError, ValueError, RecursionError):  # not text, not JSON, nested too deep
        body = None
    if isinstance(body, _Members):
        agency_id = _member(body, "agency_id", _AGENCY_ID, 64)
        event_id = _member(body, "event_id", _EVENT_ID, 128)
    return agency_id or _agency_of_key(record.key), event_id


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _member(members: _Members, name: str, pattern: re.Pattern[str], max_length: int) -> str | None:
    """The one string value of member ``name``, when the pattern allows it (a dead letter's
    column holds no more than ``max_length`` characters)."""
    values = [v for n, v in members if n == name]
    if len(values) == 1 and isinstance(values[0], str) and len(values[0]) <= max_length \
            and pattern.fullmatch(values[0]):
        return values[0]
    return None


def _agency_of_key(key: bytes | None) -> str | None:
    """The agency a Kafka key names, when it is one of the registry's."""
    try:
        agency_id = (key or b"").decode("utf-8")
        get_agency(agency_id)
    except (UnicodeDecodeError, KeyError):
        return None
    return agency_id


def decide(
    records: list[Record],
    keys: dict[str, PublicKey],
    received_at: Callable[[ParsedEvent], datetime],
    today: date,
    lookup_known: Callable[[set[tuple[str, str]]], dict[tuple[str, str], KnownEvent]],
    lookup_retracted: Callable[[set[tuple[str, str]]], set[tuple[str, str]]],
) -> Decisions:
    """Admit a batch: stateless checks; then, per event, de-duplication against the ledger
    (via the two look-ups) and earlier messages of the same batch, the time and signature
    checks at the time the entry is recorded (``received_at``), and the amendment rules.
    An exact re-delivery (the very bytes recorded) is recognised before its signature is
    verified again: it was verified when it was recorded."""
    out = Decisions()
    candidates: list[Admitted] = []
    for record in records:
        result = admit(record, today)
        (candidates if isinstance(result, Admitted) else out.rejected).append(result)
    if not candidates:
        return out

    wanted = {c.key for c in candidates}
    amended_keys = {(c.event.agency_id, c.event.amends) for c in candidates if c.event.amends}
    known = lookup_known(wanted | amended_keys)
    retracted = lookup_retracted(amended_keys) if amended_keys else set()

    for c in candidates:
        ev = c.event
        previous = known.get(c.key)
        if previous is not None and previous.payload == c.payload:
            out.duplicates += 1
            continue
        # In UTC: SQLite keeps a timestamp's wall time and drops its offset.
        at = received_at(ev).astimezone(timezone.utc)
        try:
            check_reported_at(ev.reported_at, at)
            verify_signature(ev, keys, at)
        except ContractViolation as exc:
            out.rejected.append(_reject(c, exc.code, exc.message))
            continue
        if previous is not None:
            if previous.content_digest == c.digest:
                out.duplicates += 1  # the same content, signed again (by the agency's newer key)
            else:
                out.rejected.append(_reject(c, ReasonCode.EVENT_ID_CONFLICT,
                    f"event_id {ev.event_id!r} was already recorded with different content"))
            continue
        if ev.kind in AMENDING_KINDS:
            problem = _amendment_problem(ev, known, retracted)
            if problem:
                out.rejected.append(_reject(c, *problem))
                continue
            if ev.kind == EventKind.RETRACTION:
                retracted.add((ev.agency_id, ev.amends))
        known[c.key] = KnownEvent(c.digest, ev.target_id, ev.kind.value, ev.amends, c.payload)
        out.accepted.append(Admitted(c.record, ev, c.digest, at))
    # Rejections keep consumption order so dead letters read like the stream did.
    out.rejected.sort(key=lambda r: (r.record.partition, r.record.offset))
    return out


def _amendment_problem(ev: ParsedEvent, known, retracted) -> tuple[ReasonCode, str] | None:
    target = known.get((ev.agency_id, ev.amends))
    if target is None:
        return ReasonCode.UNKNOWN_AMENDED_EVENT, f"{ev.kind.value} of {ev.amends!r}, which is not in the ledger for {ev.agency_id!r}"
    # An explanation holds no figure to correct or withdraw: a newer explanation supersedes it.
    if target.kind in (EventKind.RETRACTION.value, EventKind.EXPLANATION.value) or target.target_id != ev.target_id:
        return ReasonCode.AMENDED_EVENT_MISMATCH, (
            f"{ev.amends!r} is a {target.kind} for target {target.target_id!r}; "
            f"a {ev.kind.value} for {ev.target_id!r} cannot amend it"
        )
    if (ev.agency_id, ev.amends) in retracted:
        return ReasonCode.ALREADY_RETRACTED, f"{ev.amends!r} was already retracted"
    return None


def _reject(c: Admitted, code: ReasonCode, message: str) -> Rejected:
    return Rejected(c.record, code, message, c.event.agency_id, c.event.event_id)
