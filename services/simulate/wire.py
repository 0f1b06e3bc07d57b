"""Events as bytes, the way an agency system writes them: canonical JSON signed with Ed25519.

The simulator builds events as plain dicts and encodes them here instead of through the
pydantic models, which cost several times more per event than this module and matter
when a run sends millions. The bytes are exactly those :func:`canonical_bytes` and
:func:`to_json_bytes` of ``shared.domain.events`` give for the same event (the unit tests
compare them); ``shared.domain.signing`` does the signing.

Instants are integers: microseconds since the Unix epoch, UTC. They sort and add fast,
and the simulator handles millions of them. Pure.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from json.encoder import encode_basestring
from typing import Any

from shared.domain.signing import ALGORITHM, sign
from shared.domain.temporal import VIETNAM_TZ
from shared.keyfiles import SigningKey

SECOND = 1_000_000
DAY = 86_400 * SECOND
VIETNAM_OFFSET = VIETNAM_TZ.utcoffset(None) // timedelta(microseconds=1)  # in SECOND's units
_EPOCH = date(1970, 1, 1).toordinal()
_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode


def encode(event: dict[str, Any]) -> bytes:
    """Sorted, compact UTF-8 JSON of any dict: the canonical bytes of an unsigned event
    (contract §5), the wire bytes of a signed one."""
    return _json(event).encode("utf-8")


def signed(event: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """The (unsigned) event with its signature by ``key`` over its canonical bytes."""
    value = sign(encode(event), key.private_key)
    return {**event, "signature": {"alg": ALGORITHM, "key_id": key.key_id, "value": value}}


def _figure(figure: dict[str, Any]) -> str:
    kind = figure["type"]
    if kind == "ratio":
        return f'{{"denominator":{figure["denominator"]},"numerator":{figure["numerator"]},"type":"ratio"}}'
    if kind == "count":
        return f'{{"count":{figure["count"]},"type":"count"}}'
    if figure["done"]:
        return f'{{"done":true,"done_on":"{figure["done_on"]}","type":"milestone"}}'
    return '{"done":false,"type":"milestone"}'


def _canonical_text(event: dict[str, Any]) -> str:
    # Members in sorted order, as encode() would write them; "signature" would come
    # between "schema_version" and "target_id", where wire_bytes() splices it in.
    s = encode_basestring
    out = ['{"agency_id":', s(event["agency_id"])]
    if "amends" in event:
        out += [',"amends":', s(event["amends"])]
    out += [',"event_id":', s(event["event_id"])]
    if "evidence" in event:
        out += [',"evidence":', s(event["evidence"])]
    if "figure" in event:
        out += [',"figure":', _figure(event["figure"])]
    reporter = event["reporter"]
    out += [',"kind":', s(event["kind"]), ',"observed_at":"', event["observed_at"], '","reported_at":"',
            event["reported_at"], '","reporter":{"name":', s(reporter["name"]), ',"role":', s(reporter["role"]),
            '},"schema_version":2,"target_id":', s(event["target_id"]), "}"]
    return "".join(out)


def wire_bytes(event: dict[str, Any], key: SigningKey) -> bytes:
    """The wire bytes of a well-formed unsigned event signed with ``key``: the fast path.

    Same bytes as ``encode(signed(event, key))`` for the members of a valid event (dates
    already ``YYYY-MM-DD`` strings, ``reported_at`` already canonical).
    """
    text = _canonical_text(event)
    value = sign(text.encode("utf-8"), key.private_key)
    cut = text.rindex(',"target_id":')
    signature = f',"signature":{{"alg":"{ALGORITHM}","key_id":{encode_basestring(key.key_id)},"value":"{value}"}}'
    return (text[:cut] + signature + text[cut:]).encode("utf-8")


# ---- instants ------------------------------------------------------------------------------
def instant(day: date, minutes: int, micros: int = 0) -> int:
    """``minutes`` (and ``micros``) after midnight of ``day`` in Vietnam."""
    return (day.toordinal() - _EPOCH) * DAY + minutes * 60 * SECOND + micros - VIETNAM_OFFSET


def vietnam_ordinal(moment: int) -> int:
    """The ordinal of the calendar day in Vietnam at ``moment``."""
    return (moment + VIETNAM_OFFSET) // DAY + _EPOCH


def to_datetime(moment: int) -> datetime:
    """``moment`` as an aware UTC datetime."""
    return datetime.fromtimestamp(moment // SECOND, timezone.utc).replace(microsecond=moment % SECOND)


@functools.cache
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


@dataclass(frozen=True, slots=True)
class ClockStyle:
    """How an agency system writes ``reported_at``: Vietnam offset or UTC, with or without
    microseconds. Every style is a canonical spelling (contract §4)."""

    utc: bool = False
    micros: bool = False

    def write(self, moment: int) -> str:
        """``moment`` in this system's spelling."""
        local = moment if self.utc else moment + VIETNAM_OFFSET
        days, rest = divmod(local, DAY)
        seconds, micros = divmod(rest, SECOND)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        text = f"{_iso_day(days + _EPOCH)}T{hour:02d}:{minute:02d}:{second:02d}"
        if self.micros and micros:
            text += f".{micros:06d}"
        return text + ("Z" if self.utc else "+07:00")
