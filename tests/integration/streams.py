"""Deterministic event streams for volume and fault tests."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from shared.keyfiles import SigningKey
from tests.factories import event_dict, signed_bytes

AGENCIES = ["ha-noi", "hue", "lai-chau", "dien-bien", "son-la", "lang-son", "quang-ninh", "thanh-hoa", "nghe-an",
            "ha-tinh", "cao-bang"]
RATIO_TARGETS = ["online_dossier_rate", "end_to_end_services", "dossiers_with_personal_id"]


@dataclass
class Stream:
    """Messages to publish and what the ledger and dead letters must end up holding."""

    messages: list[tuple[str | None, bytes]] = field(default_factory=list)
    valid_ids: set[tuple[str, str]] = field(default_factory=set)
    invalid: dict[bytes, str] = field(default_factory=dict)


def _measurement(rng: random.Random, agency: str, i: int) -> dict:
    den = rng.randint(100, 10_000)
    return event_dict(agency, rng.choice(RATIO_TARGETS), event_id=f"{agency}-{i}",
                      observed_at=f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      figure={"type": "ratio", "numerator": rng.randint(0, den), "denominator": den})


def valid_stream(n: int, keys: dict[str, SigningKey], seed: int = 7) -> Stream:
    """`n` distinct valid events over the agencies in `keys` (one in ten amends an earlier one)."""
    rng = random.Random(seed)
    s = Stream()
    sent: dict[str, list[dict]] = {a: [] for a in keys}
    for i in range(n):
        agency = rng.choice(sorted(keys))
        earlier = sent[agency]
        if earlier and i % 10 == 9:
            base = rng.choice(earlier)
            d = event_dict(agency, base["target_id"], kind="correction", amends=base["event_id"],
                           event_id=f"{agency}-{i}", observed_at=base["observed_at"],
                           figure={"type": "ratio", "numerator": 1, "denominator": 2})
        else:
            d = _measurement(rng, agency, i)
            earlier.append(d)
        s.messages.append((agency, signed_bytes(d, keys[agency])))
        s.valid_ids.add((agency, d["event_id"]))
    return s


def _invalid_kinds(rng: random.Random, keys: dict[str, SigningKey], i: int, valid: list[dict]):
    agency = rng.choice(sorted(keys))
    key = keys[agency]
    other = keys[next(a for a in sorted(keys) if a != agency)]
    eid = f"bad-{i}"
    base = _measurement(rng, agency, 0)
    base["event_id"] = eid
    yield "not_json", agency, b"{not json " + str(i).encode()
    yield "unknown_field", agency, signed_bytes(base, key)[:-1] + b',"colour":"red"}'
    yield "denominator_zero", agency, json.dumps(dict(base, figure={"type": "ratio", "numerator": 0, "denominator": 0})).encode()
    yield ("numerator_exceeds_denominator", agency,
           json.dumps(dict(base, figure={"type": "ratio", "numerator": 11, "denominator": 10})).encode())
    yield "unknown_agency", "khong-ton-tai", signed_bytes(dict(base, agency_id="khong-ton-tai"), key)
    yield "foreign_signature", agency, signed_bytes(base, other)
    tampered = json.loads(signed_bytes(base, key))
    tampered["figure"]["numerator"] = tampered["figure"]["denominator"]
    yield "bad_signature", agency, json.dumps(tampered, ensure_ascii=False).encode()
    yield "missing_signature", agency, json.dumps(base, ensure_ascii=False).encode()
    yield "key_mismatch", other.agency_id, signed_bytes(base, key)
    yield ("unknown_amended_event", agency,
           signed_bytes(dict(base, kind="correction", amends="never-sent"), key))
    target = rng.choice(valid) if valid else None
    if target is not None:
        conflict = dict(target, figure={"type": "ratio", "numerator": 3, "denominator": 7})
        yield "event_id_conflict", target["agency_id"], signed_bytes(conflict, keys[target["agency_id"]])


def mixed_stream(n: int, keys: dict[str, SigningKey], dup_rate: float = 0.05, bad_rate: float = 0.05,
                 seed: int = 11) -> Stream:
    """About `n` messages: valid events, exact re-sends of them, and invalid ones of many kinds."""
    rng = random.Random(seed)
    n_bad = int(n * bad_rate)
    n_dup = int(n * dup_rate)
    s = valid_stream(n - n_bad - n_dup, keys, seed)
    valid_dicts = [json.loads(v) for _, v in s.messages if b'"measurement"' in v]
    bad: list[tuple[str, str, bytes]] = []
    i = 0
    while len(bad) < n_bad:
        for code, key, value in _invalid_kinds(rng, keys, i, valid_dicts):
            if len(bad) < n_bad:
                bad.append((code, key, value))
        i += 1
    result = list(s.messages)
    position = {v: i for i, (_, v) in enumerate(result)}
    # A duplicate or an id conflict must come after the event it repeats, on the same
    # partition; everything else may land anywhere.
    inserts: list[tuple[int, tuple[str | None, bytes]]] = []
    for _ in range(n_dup):
        k, v = rng.choice(s.messages)
        inserts.append((rng.randint(position[v] + 1, len(result)), (k, v)))
    for code, key, value in bad:
        after = 0
        if code == "event_id_conflict":
            original = json.loads(value)
            after = next(i for i, (_, v) in enumerate(result) if f'"event_id":"{original["event_id"]}"'.encode() in v) + 1
        inserts.append((rng.randint(after, len(result)), (key, value)))
    for pos, msg in sorted(inserts, key=lambda x: x[0], reverse=True):
        result.insert(pos, msg)
    s.messages = result
    s.invalid = {v: c for c, _, v in bad}
    return s
