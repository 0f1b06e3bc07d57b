"""Ledger entries as the scorer reads them: decoded from a recorded event, a ledger-topic
message or a ledger row."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from shared.scoring.figures import Fig, MalformedEntry, figure_from_json

AMENDING = ("correction", "retraction")  # the kinds that amend an earlier event
UNSCORED = ("explanation",)  # kinds that carry no figure: recorded, never folded


class NotScored(MalformedEntry):
    """A well-formed entry that holds nothing for the scorer (an explanation of a late
    task): counted as applied and left out of the fold, like an unreadable one, but
    neither logged nor counted as malformed."""


@dataclass(frozen=True, slots=True)
class Entry:
    """What the scorer needs of one ledger entry."""

    seq: int
    agency_id: str
    chain_pos: int
    event_id: str
    target_id: str
    kind: str
    observed_at: date
    amends: str | None
    figure: Fig | None


_KINDS = {k: k for k in ("measurement", "milestone", *AMENDING)}


@lru_cache(maxsize=4096)
def _day(text: str) -> date:
    return date.fromisoformat(text)


def entry_from_event(seq: int, agency_id: str, chain_pos: int, event: dict[str, Any]) -> Entry:
    """An entry from the ledger fields and the recorded event (decoded JSON)."""
    try:
        kind = _KINDS.get(event["kind"])
        if event["kind"] in UNSCORED:
            raise NotScored(f"ledger entry seq={seq}: an {event['kind']} carries no figure")
        if kind is None:
            raise MalformedEntry(f"unknown event kind {event['kind']!r}")
        # The fold keeps every entry: one shared object per agency id, target id, kind
        # and day instead of a fresh copy per entry keeps its memory per entry small.
        entry = Entry(
            seq=int(seq), agency_id=sys.intern(str(agency_id)), chain_pos=int(chain_pos),
            event_id=str(event["event_id"]), target_id=sys.intern(str(event["target_id"])), kind=kind,
            observed_at=_day(event["observed_at"]), amends=event.get("amends"),
            figure=figure_from_json(event.get("figure")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, MalformedEntry):  # NotScored included
            raise
        raise MalformedEntry(f"ledger entry seq={seq}: {exc!r}") from None
    if (entry.kind in AMENDING) != (entry.amends is not None):
        raise MalformedEntry(f"ledger entry seq={seq}: {kind} with amends={entry.amends!r}")
    if entry.kind != "retraction" and entry.figure is None:
        raise MalformedEntry(f"ledger entry seq={seq}: a {kind} without a figure")
    return entry


def entry_from_ledger_message(value: bytes | None) -> Entry:
    """Decode a ledger-topic message: ``{"seq", "agency_id", "chain_pos", ..., "event"}``."""
    try:
        msg = json.loads(value or b"")
        return entry_from_event(msg["seq"], msg["agency_id"], msg["chain_pos"], msg["event"])
    except MalformedEntry:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedEntry(f"not a ledger message: {exc!r}") from None


def entry_from_payload(seq: int, agency_id: str, chain_pos: int, payload: str) -> Entry:
    """An entry from a ledger row (``payload`` is the event's JSON as recorded)."""
    try:
        event = json.loads(payload)
    except ValueError as exc:
        raise MalformedEntry(f"ledger entry seq={seq}: payload is not JSON ({exc})") from None
    return entry_from_event(seq, agency_id, chain_pos, event)
