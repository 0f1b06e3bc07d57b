"""The fuzzer: Hypothesis draws mutations of valid, signed events, and every mutant must
end in the dead letters, whatever its reason.

A mutation works on the bytes (flip, delete, insert, truncate), on the JSON (set a member
to a near-miss or to any JSON value, drop one, add one) either after signing (the
signature no longer matches) or before it (the event is re-signed with its agency's key,
keeping its event_id: a still-valid result conflicts with the original, already in the
ledger), or on the Kafka key. A mutant that means the same as its original (white space,
an escape, an added null member) is no bad input and is not drawn.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, Phase, assume, given, seed, settings
from hypothesis import strategies as st

from shared.db.ledger import KnownEvent
from shared.domain.chain import content_digest
from shared.keyfiles import SigningKey

from services.simulate.wire import encode, signed

from chaos.stream import Expected

AGENCIES = ("ha-noi", "hue", "nghe-an", "bo-cong-an", "bo-tu-phap")
Key = str | bytes | None


@dataclass(frozen=True)
class Original:
    """A valid signed event, as sent, and the key that signed it."""

    key: str
    event: dict[str, Any]
    signer: SigningKey

    @property
    def value(self) -> bytes:
        return encode(self.event)

    def known(self) -> KnownEvent:
        """What the ledger holds of it once recorded (for ingest's de-duplication)."""
        unsigned = {k: v for k, v in self.event.items() if k != "signature"}
        return KnownEvent(content_digest(encode(unsigned)), self.event["target_id"], self.event["kind"],
                          self.event.get("amends"), self.value.decode("utf-8"))


@dataclass(frozen=True)
class Mutant:
    """A bad message derived from an original."""

    key: Key
    value: bytes
    operator: str


def originals(keys: dict[str, SigningKey], n: int, prefix: str = "fz", rng_seed: int = 11) -> list[Original]:
    """``n`` valid events of every shape (ratio, count, milestone; with and without
    evidence; Vietnamese text), signed with ``keys`` (one per agency in AGENCIES)."""
    rng = random.Random(rng_seed)
    out = []
    for i in range(n):
        agency = AGENCIES[i % len(AGENCIES)]
        ministry = agency.startswith("bo-")
        day = date(2025, 1, 1) + timedelta(days=rng.randint(0, 300))
        shape = i % 3
        if shape == 0:
            d = rng.randint(1, 10**6)
            target, kind, figure = "online_dossier_rate", "measurement", {"type": "ratio", "numerator": rng.randint(0, d),
                                                                         "denominator": d}
        elif shape == 1:
            target = "essential_services" if ministry else "procedures_local_data"
            kind, figure = "measurement", {"type": "count", "count": rng.randint(0, 300)}
        else:
            done = rng.random() < 0.5
            target, kind = "r57_plan_issued", "milestone"
            figure = {"type": "milestone", "done": done, **({"done_on": day.isoformat()} if done else {})}
        event = {"schema_version": 2, "event_id": f"{prefix}-{agency}-{i}", "agency_id": agency, "target_id": target,
                 "kind": kind, "observed_at": day.isoformat(),
                 "reported_at": f"{day + timedelta(days=rng.randint(0, 9))}T{rng.randint(7, 17):02d}:15:00+07:00",
                 "figure": figure, "reporter": {"name": "Trần Thị Hồng Nhung", "role": "Phó Giám đốc Sở"}}
        if rng.random() < 0.5:
            event["evidence"] = f"Báo cáo số {rng.randint(1, 999)}/BC-UBND ngày {day:%d/%m/%Y}"
        out.append(Original(agency, signed(event, keys[agency]), keys[agency]))
    return out


# ---- what a mutation may put somewhere -------------------------------------------------------
_LEAVES = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
JSON_VALUES = st.recursive(_LEAVES, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def near_misses(value: Any) -> st.SearchStrategy:
    """Values that look like ``value`` but are not it: the mistakes a system makes."""
    if isinstance(value, bool):
        return st.sampled_from([not value, int(value), str(value).lower()])
    if isinstance(value, int):
        return st.sampled_from([value + 1, value - 1, -value - 1, float(value), str(value), 2**53 + value])
    if isinstance(value, str):
        variants = {value.upper(), value.lower(), f" {value}", f"{value} ", value[:-1], f"{value}x",
                    value.replace("-", "_"), value.replace("T", " "), value.replace("+07:00", "Z"), ""}
        return st.sampled_from(sorted(variants - {value}) or [""])
    return JSON_VALUES


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every member path of a JSON object, nested ones included."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((*prefix, k))
            out += _paths(v, (*prefix, k))
    return out


def _get(obj: dict, path: tuple) -> Any:
    for p in path:
        obj = obj[p]
    return obj


def _set(obj: dict, path: tuple, value: Any) -> dict:
    obj = json.loads(json.dumps(obj))
    target = obj
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value
    return obj


def _drop(obj: dict, path: tuple) -> dict:
    obj = json.loads(json.dumps(obj))
    target = obj
    for p in path[:-1]:
        target = target[p]
    del target[path[-1]]
    return obj


def _resigned(o: Original, event: dict) -> bytes:
    unsigned = {k: v for k, v in event.items() if k != "signature"}
    return encode(signed(unsigned, o.signer))


@st.composite
def mutation(draw, o: Original) -> Mutant:
    """One mutant of ``o``."""
    value = o.value
    op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "set", "set_resigned", "drop",
                               "drop_resigned", "add", "add_resigned", "rekey"]))
    if op == "flip":
        i = draw(st.integers(0, len(value) - 1))
        return Mutant(o.key, value[:i] + bytes([value[i] ^ draw(st.integers(1, 255))]) + value[i + 1:], op)
    if op == "delete":
        i = draw(st.integers(0, len(value) - 1))
        return Mutant(o.key, value[:i] + value[i + draw(st.integers(1, 16)):], op)
    if op == "insert":
        i = draw(st.integers(0, len(value)))
        return Mutant(o.key, value[:i] + draw(st.binary(min_size=1, max_size=16)) + value[i:], op)
    if op == "truncate":
        return Mutant(o.key, value[: draw(st.integers(0, len(value) - 1))], op)
    if op == "rekey":
        key = draw(st.none() | st.sampled_from([a for a in AGENCIES if a != o.key] + [o.key.upper(), f" {o.key}"])
                   | st.binary(min_size=1, max_size=12))
        return Mutant(key, value, op)
    resign = op.endswith("_resigned")
    # Re-signing keeps event_id (a valid result must conflict with the original) and
    # replaces the signature (so mutating it would change nothing).
    paths = [p for p in _paths(o.event) if not (resign and p[0] in ("event_id", "signature"))]
    if op.startswith("set"):
        path = draw(st.sampled_from(paths))
        event = _set(o.event, path, draw(near_misses(_get(o.event, path)) | JSON_VALUES))
    elif op.startswith("drop"):
        event = _drop(o.event, draw(st.sampled_from(paths)))
    else:
        parents = [()] + [p for p in paths if isinstance(_get(o.event, p), dict)]
        parent = draw(st.sampled_from(parents))
        name = draw(st.text(min_size=1, max_size=12))
        assume(name not in _get(o.event, parent))
        event = _set(o.event, (*parent, name), draw(JSON_VALUES))
    return Mutant(o.key, _resigned(o, event) if resign else encode(event), op)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def same_meaning(m: Mutant, o: Original) -> bool:
    """Whether the mutant says what the original says (same key, same JSON once nulls are
    dropped): then it is a valid re-send, not a bad input. Errs towards "same", which
    only leaves a bad mutant undrawn."""
    if m.key != o.key and not (isinstance(m.key, bytes) and m.key == o.key.encode()):
        return False
    try:
        return _without_nulls(json.loads(m.value)) == _without_nulls(o.event)
    except (ValueError, RecursionError):
        return False


def draw_mutants(sources: list[Original], n: int, rng_seed: int = 2025) -> list[tuple[int, Mutant]]:
    """``n`` mutants drawn by Hypothesis, each with the index of its original."""
    found: list[tuple[int, Mutant]] = []

    @seed(rng_seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data):
        i = data.draw(st.integers(0, len(sources) - 1))
        m = data.draw(mutation(sources[i]))
        assume(not same_meaning(m, sources[i]))
        found.append((i, m))

    collect()
    return found[:n]


def fuzz_stream(keys: dict[str, SigningKey], n: int, n_originals: int = 200, fillers_every: int = 10,
                rng_seed: int = 2025) -> tuple[Expected, dict[str, int]]:
    """The originals, then ``n`` mutants with a fresh valid event after every
    ``fillers_every`` of them; and how many mutants each operator made."""
    sources = originals(keys, n_originals)
    fillers = iter(originals(keys, n // fillers_every + 1, prefix="fill", rng_seed=rng_seed))
    out = Expected()
    for o in sources:
        out.add_valid(o.key, o.value, o.event["agency_id"], o.event["event_id"])
    operators: dict[str, int] = {}
    for j, (_, m) in enumerate(draw_mutants(sources, n, rng_seed)):
        out.add_bad(m.key, m.value, None)
        operators[m.operator] = operators.get(m.operator, 0) + 1
        if j % fillers_every == fillers_every - 1:
            f = next(fillers)
            out.add_valid(f.key, f.value, f.event["agency_id"], f.event["event_id"])
    return out, dict(sorted(operators.items()))
