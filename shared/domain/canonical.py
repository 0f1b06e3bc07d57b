"""The fields ingest needs of an event, and a fast way to get them from canonical bytes.

Agency systems that follow the contract send the canonical form (docs/contract.md §5:
sorted members, no white space, no escapes of non-ASCII text) plus the signature. For
such a message :func:`parse_canonical` checks every rule :func:`parse_event` enforces,
without pydantic, at a fraction of the cost, and returns the event's fields with its
canonical and wire bytes, which are then simply the input's. Anything it is not sure
about (another spelling, a null member, any broken rule) makes it return None, and the
caller takes :func:`parse_event`'s path, which names the problem: the fast path may only
ever accept what parse_event accepts, with the same bytes (tests/unit/domain/test_canonical.py
compares the two on the simulator's events and on every kind of bad input).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any, NamedTuple

import orjson

from shared.domain.events import (
    AGENCY_ID_PATTERN,
    EARLIEST_OBSERVATION,
    EVENT_ID_PATTERN,
    SCHEMA_VERSION,
    TARGET_ID_PATTERN,
    EventKind,
    ProgressReported,
    canonical_bytes,
    parse_event,
    to_json_bytes,
)
from shared.domain.figures import MAX_FIGURE
from shared.domain.signing import ALGORITHM
from shared.domain.temporal import _as_date, vietnam_date

_EVENT_ID = re.compile(EVENT_ID_PATTERN)
_AGENCY_ID = re.compile(AGENCY_ID_PATTERN)
_TARGET_ID = re.compile(TARGET_ID_PATTERN)
_KEY_ID = re.compile(r"^[!-~]{1,128}$")
_SIGNATURE = re.compile(r"^[0-9a-f]{128}$")
# The model's NOT_BLANK pattern, searched as pydantic does. Python counts a few more
# characters as white space than pydantic's regex engine, so where they differ this
# finds a string blank that pydantic would accept: it falls back, never the reverse.
_NOT_BLANK = re.compile(r"\S")
_REQUIRED = frozenset({"schema_version", "event_id", "agency_id", "target_id", "kind", "observed_at",
                       "reported_at", "reporter"})
_MEMBERS = _REQUIRED | {"figure", "evidence", "amends", "explanation", "signature"}
_STATEMENT = frozenset({"cause", "action", "committed_on"})  # an explanation's members
_KINDS = {k.value: k for k in EventKind}
_AMENDING = (EventKind.CORRECTION, EventKind.RETRACTION)
_FIGURELESS = (EventKind.RETRACTION, EventKind.EXPLANATION)


def _encode(obj: dict[str, Any]) -> bytes:
    return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)


class ParsedEvent(NamedTuple):
    """What ingest needs of a valid event: its fields, the bytes its signature covers
    (``canonical``) and the wire form the ledger records (``payload``). A named tuple:
    built for every event, where a frozen dataclass's __init__ cost several times more."""

    event_id: str
    agency_id: str
    target_id: str
    kind: EventKind
    observed_at: date
    reported_at: datetime
    amends: str | None
    figure_type: str | None
    key_id: str | None
    signature: str | None
    canonical: bytes
    payload: str

    @classmethod
    def from_model(cls, event: ProgressReported) -> ParsedEvent:
        """The fields of an event pydantic has validated."""
        sig = event.signature
        return cls(event.event_id, event.agency_id, event.target_id, event.kind, event.observed_at,
                   event.reported_at, event.amends, event.figure.type if event.figure is not None else None,
                   sig.key_id if sig else None, sig.value if sig else None, canonical_bytes(event),
                   to_json_bytes(event).decode("utf-8"))


def parse(raw: bytes, *, today: date) -> ParsedEvent:
    """The event in ``raw``, or :class:`ContractViolation` naming what is wrong with it."""
    return parse_canonical(raw, today=today) or ParsedEvent.from_model(parse_event(raw, today=today))


def _text(value: Any, pattern: re.Pattern[str] | None = None, max_length: int | None = None) -> bool:
    return (type(value) is str and (max_length is None or len(value) <= max_length)
            and (pattern is None or pattern.fullmatch(value) is not None))


def _prose(value: Any, max_length: int) -> bool:
    return type(value) is str and 1 <= len(value) <= max_length and _NOT_BLANK.search(value) is not None


def _count(value: Any, least: int) -> bool:
    return type(value) is int and least <= value <= MAX_FIGURE


def _figure(fig: Any) -> tuple[str, date | None] | None:
    """(type, done_on) of a valid figure in canonical form, None otherwise."""
    if type(fig) is not dict:
        return None
    kind = fig.get("type")
    if kind == "ratio":
        ok = (fig.keys() == {"type", "numerator", "denominator"} and _count(fig["numerator"], 0)
              and _count(fig["denominator"], 1) and fig["numerator"] <= fig["denominator"])
        return ("ratio", None) if ok else None
    if kind == "count":
        return ("count", None) if fig.keys() == {"type", "count"} and _count(fig["count"], 0) else None
    if kind == "milestone" and type(fig.get("done")) is bool:
        if not fig["done"]:
            return ("milestone", None) if fig.keys() == {"type", "done"} else None
        if fig.keys() == {"type", "done", "done_on"} and type(fig["done_on"]) is str:
            done_on = _day(fig["done_on"])
            return None if done_on is None else ("milestone", done_on)
    return None


def _statement(stated: Any, observed_at: date) -> bool:
    """Whether an explanation's member is valid: cause and action not blank, a committed
    day not before the day of the explanation."""
    if (type(stated) is not dict or stated.keys() != _STATEMENT or not _prose(stated["cause"], 2000)
            or not _prose(stated["action"], 2000) or type(stated["committed_on"]) is not str):
        return False
    committed_on = _day(stated["committed_on"])
    return committed_on is not None and committed_on >= observed_at


@lru_cache(maxsize=4096)
def _day(value: str) -> date | None:
    """The day a ``YYYY-MM-DD`` string names, else None; cached, as events of a year name
    a few hundred days (bounded: the strings come from the wire)."""
    try:
        return _as_date(value)
    except ValueError:  # pydantic's error types are ValueErrors
        return None


def _timestamp(value: str) -> datetime | None:
    """The instant a canonical timestamp names (temporal.format_timestamp's form), else None.

    The C parser and writer, compared: what _as_timestamp checks with a regular
    expression and the Python formatter, at a fraction of the cost."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    written = parsed.isoformat()
    if written.endswith("+00:00"):
        written = written[:-6] + "Z"
    # An offset is Z or ±HH:MM: one with seconds is written with them, and is refused.
    if parsed.tzinfo is None or written != value or not (value[-1] == "Z" or value[-6] in "+-"):
        return None
    return parsed


def parse_canonical(raw: bytes, *, today: date) -> ParsedEvent | None:
    """The event when ``raw`` is a valid event written in canonical form; None when it is
    not, or when this fast path cannot tell (then :func:`parse_event` decides)."""
    try:
        # orjson (compiled) refuses what is not UTF-8, NaN, nesting past 1,024 levels and
        # lone surrogate escapes; it keeps the last of repeated names and reads integers
        # past 64 bits as floats, which the comparison below catches.
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    # Encoding gives the input back only if it was canonical: members sorted and unique
    # (a repeated name would be lost), no white space, no escapes (a character escaped
    # without need comes back unescaped), integers as written. orjson writes strings,
    # integers and sorted names byte for byte as the contract's encoder (json with
    # ensure_ascii=False, sort_keys; tests/unit/domain/test_canonical.py checks every
    # code point); a float, which it writes otherwise, is refused below in any spelling.
    if type(obj) is not dict or not _MEMBERS.issuperset(obj) or not _REQUIRED.issubset(obj):
        return None
    try:
        if _encode(obj) != raw:
            return None
    except orjson.JSONEncodeError:
        return None
    if None in obj.values():
        return None  # a null member is left out of the canonical form: not this input's bytes
    kind = _KINDS.get(obj["kind"]) if type(obj["kind"]) is str else None
    reporter = obj["reporter"]
    if (type(obj["schema_version"]) is not int or obj["schema_version"] != SCHEMA_VERSION or kind is None
            or not _text(obj["event_id"], _EVENT_ID) or not _text(obj["agency_id"], _AGENCY_ID, 64)
            or not _text(obj["target_id"], _TARGET_ID, 64)
            or type(reporter) is not dict or reporter.keys() != {"name", "role"}
            or not _prose(reporter["name"], 200) or not _prose(reporter["role"], 200)
            or ("evidence" in obj and not _prose(obj["evidence"], 1000))
            or ("amends" in obj and not _text(obj["amends"], _EVENT_ID))
            or type(obj["observed_at"]) is not str or type(obj["reported_at"]) is not str):
        return None
    observed_at = _day(obj["observed_at"])
    reported_at = _timestamp(obj["reported_at"])
    if observed_at is None or reported_at is None:
        return None
    amends = obj.get("amends")
    figure = obj.get("figure")
    shape = _figure(figure) if figure is not None else None
    if figure is not None and shape is None:
        return None
    if ((kind in _AMENDING) != (amends is not None) or amends == obj["event_id"]
            or (kind in _FIGURELESS) != (figure is None)
            or (kind is EventKind.EXPLANATION) != ("explanation" in obj)
            or (kind is EventKind.MEASUREMENT and shape[0] == "milestone")
            or (kind is EventKind.MILESTONE and shape[0] != "milestone")):
        return None
    if (observed_at < EARLIEST_OBSERVATION or observed_at > today or observed_at > vietnam_date(reported_at)
            or (shape is not None and shape[1] is not None and shape[1] > observed_at)):
        return None
    if "explanation" in obj and not _statement(obj["explanation"], observed_at):
        return None
    key_id = signature = None
    if "signature" in obj:
        sig = obj["signature"]
        if (type(sig) is not dict or sig.keys() != {"alg", "key_id", "value"} or sig["alg"] != ALGORITHM
                or type(sig["alg"]) is not str or not _text(sig["key_id"], _KEY_ID) or not _text(sig["value"], _SIGNATURE)):
            return None
        key_id, signature = sig["key_id"], sig["value"]
        # The canonical form is the input without its signature member, which sorts
        # between schema_version and target_id. Inside a JSON string a quote is always
        # escaped, so these two markers can only be the members themselves.
        start = raw.index(b',"signature":')
        canonical = raw[:start] + raw[raw.index(b',"target_id":', start):]
    else:
        canonical = raw
    return ParsedEvent(obj["event_id"], obj["agency_id"], obj["target_id"], kind, observed_at, reported_at, amends,
                       shape[0] if shape else None, key_id, signature, canonical, raw.decode("utf-8"))
