"""Builders of progress events for tests: valid by default, signed when given a key."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date, datetime, timedelta, timezone

from services.ingest.publish import sign_event
from shared.domain.events import parse_event, to_json_bytes
from shared.domain.keyring import PublicKey
from shared.keyfiles import SigningKey

_ids = itertools.count(1)


def event_dict(agency="ha-noi", target="online_dossier_rate", *, kind="measurement", observed_at="2025-03-31",
               figure=None, amends=None, event_id=None, reported_at=None, **extra) -> dict:
    """A contract-v2 event as a plain dict (a ratio of 80/100 unless told otherwise)."""
    if figure is None and kind != "retraction":
        figure = {"type": "ratio", "numerator": 80, "denominator": 100}
    d = {
        "schema_version": 2,
        "event_id": event_id or f"ev-{next(_ids)}",
        "agency_id": agency,
        "target_id": target,
        "kind": kind,
        "observed_at": observed_at,
        "reported_at": reported_at or f"{date.fromisoformat(observed_at) + timedelta(days=2)}T09:00:00+07:00",
        "reporter": {"name": "Nguyễn Thị Lan", "role": "Chánh Văn phòng"},
    }
    if figure is not None:
        d["figure"] = figure
    if amends is not None:
        d["amends"] = amends
    d.update(extra)
    return d


def signed_bytes(d: dict, key: SigningKey) -> bytes:
    """The wire bytes of `d` signed with `key`."""
    return to_json_bytes(sign_event(parse_event(json.dumps(d), today=date.max), key))


def utc(*args) -> datetime:
    """A UTC timestamp."""
    return datetime(*args, tzinfo=timezone.utc)


def signing_key(agency: str, label: str = "k1") -> SigningKey:
    """A deterministic Ed25519 key of ``agency`` (another ``label``, another key)."""
    return SigningKey.derived(agency, hashlib.sha256(f"test|{agency}|{label}".encode()).digest())


def registry(*keys: SigningKey, valid_from: datetime | None = None, **changes) -> dict[str, PublicKey]:
    """The registry as ingest sees it: each key valid from ``valid_from`` (2020 by default),
    with ``changes`` (rotated_at=…, revoked_at=…) applied to all of them."""
    start = valid_from or utc(2020, 1, 1)
    return {k.key_id: PublicKey(k.key_id, k.agency_id, k.public_key, start, **changes) for k in keys}
