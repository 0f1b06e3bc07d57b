"""The benchmark's events: a simulated year at the scale that gives the wanted count,
signed with Ed25519 keys derived from the seed (so the same bytes are valid in every
database the run sets up, once their public keys are registered there: register_keys),
generated once and cached on disk for later runs."""

from __future__ import annotations

import hashlib
import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

from shared.config import PROJECT_ROOT
from shared.db.keys import KeyStore

from services.simulate.keys import KeyRing, dry_run_keys, store_keys
from services.simulate.plan import MAX_SCALE, Config, Outcome, Plan
from services.simulate.trajectories import Truth

SEED = 7
MESSAGES_PER_SCALE = 6_500
"""About how many messages one unit of --scale gives for 2025 (6,730 at seed 7): a
slight under-estimate, so the scale chosen always gives at least the count asked for."""

_HEAD = struct.Struct("<BHHI")
_NO_KEY = 0xFFFF
_OUTCOMES = list(Outcome)


@dataclass(frozen=True)
class Dataset:
    """Messages in the order the agencies send them, and for each the (agency_id,
    event_id) of the ledger entry it must become (None for a re-send or a bad message)."""

    messages: list[tuple[str | None, bytes]]
    recorded: list[tuple[str, str] | None]

    def __len__(self) -> int:
        return len(self.messages)

    def head(self, n: int) -> Dataset:
        """The first ``n`` messages."""
        return Dataset(self.messages[:n], self.recorded[:n])

    def tail(self, start: int) -> Dataset:
        """The messages from ``start`` on."""
        return Dataset(self.messages[start:], self.recorded[start:])


def key_ring() -> KeyRing:
    """Every simulated agency's signing key, derived from the seed."""
    truth = Truth(SEED)
    return dry_run_keys(SEED, [a.id for a in truth.agencies])


def register_keys(store: KeyStore) -> int:
    """Register every simulated agency's public key in ``store`` (valid from 2020, as the
    simulator's), before ingest runs; how many keys the registry holds for the ring."""
    ring, _ = store_keys(store, SEED, sorted(key_ring().keys))
    registered = store.all()
    return sum(1 for key in ring.keys.values() if key.key_id in registered)


def scale_for(count: int) -> float:
    """The simulator scale whose year has at least ``count`` messages."""
    return min(MAX_SCALE, max(1.0, count / MESSAGES_PER_SCALE))


def generate(count: int, ring: KeyRing) -> Dataset:
    """The first ``count`` messages of the simulated year at the scale that has them."""
    plan = Plan(Config(seed=SEED, scale=scale_for(count)), ring, Truth(SEED))
    messages, recorded = [], []
    for m in itertools.islice(plan, count):
        messages.append((m.key, m.value))
        recorded.append((m.agency_id, m.event_id) if m.outcome is Outcome.RECORDED else None)
    if len(messages) < count:
        raise ValueError(f"the simulator gives {len(messages):,} messages at most, not {count:,}")
    return Dataset(messages, recorded)


def save(data: Dataset, path: Path) -> None:
    """Write ``data`` in a compact length-prefixed form."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as f:
        for (key, value), rec in zip(data.messages, data.recorded):
            k = key.encode() if key is not None else b""
            e = rec[1].encode() if rec else b""
            outcome = Outcome.RECORDED if rec else Outcome.DUPLICATE
            f.write(_HEAD.pack(_OUTCOMES.index(outcome), _NO_KEY if key is None else len(k), len(e), len(value)))
            f.write(k + e + value)
    partial.replace(path)


def load(path: Path, limit: int | None = None) -> Dataset:
    """Read what :func:`save` wrote (its first ``limit`` messages, when given)."""
    buf = path.read_bytes()
    messages, recorded = [], []
    pos, size = 0, _HEAD.size
    while pos < len(buf) and (limit is None or len(messages) < limit):
        outcome, klen, elen, vlen = _HEAD.unpack_from(buf, pos)
        pos += size
        key = None
        if klen != _NO_KEY:
            key = buf[pos:pos + klen].decode()
            pos += klen
        event_id = buf[pos:pos + elen].decode()
        pos += elen
        messages.append((key, buf[pos:pos + vlen]))
        pos += vlen
        recorded.append((key, event_id) if _OUTCOMES[outcome] is Outcome.RECORDED else None)
    return Dataset(messages, recorded)


def generator_digest() -> str:
    """A digest of what decides the generated messages and their predicted outcomes: the
    simulator's code and the domain's data (catalogue, agencies). A cache made before any
    change to them is never read: its predictions could be stale."""
    digest = hashlib.sha256()
    for root in (PROJECT_ROOT / "services" / "simulate", PROJECT_ROOT / "shared" / "domain" / "data"):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".json")):
            digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cache_prefix() -> str:
    """The start of every cache file's name, before its message count."""
    # The contract version and signature scheme are in the name too: a cache of
    # HMAC-signed schema-1 events, from before issue 13, is never read.
    return f"events-v2-ed25519-seed{SEED}-{generator_digest()}-"


def cache_file(count: int, cache_dir: Path) -> Path:
    """Where :func:`dataset` keeps ``count`` messages (load reads them back)."""
    return cache_dir / f"{cache_prefix()}{count}.bin"


def dataset(count: int, cache_dir: Path) -> Dataset:
    """``count`` messages, from the cache when an earlier run generated them."""
    path = cache_file(count, cache_dir)
    if path.is_file():
        return load(path)
    data = generate(count, key_ring())
    save(data, path)
    return data
