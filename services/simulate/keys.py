"""Signing keys for the simulated agencies, and the invented keys forgers sign with.

The simulator stands in for every agency system, so it holds their private keys: each is
derived from the seed (re-running a seed re-sends byte-identical events, which ingest
records once). A run against the pipeline registers the public keys ingest does not know
yet, as an operator would register what agencies sent; a dry run touches no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from shared.db.keys import KeyStore
from shared.domain.temporal import VIETNAM_TZ
from shared.keyfiles import SigningKey

KEYS_VALID_FROM = datetime(2020, 1, 1, tzinfo=VIETNAM_TZ)
"""When the simulated agencies' keys start signing: the ledger's first day."""
OPERATOR = "tiendo simulate"


def _derived(seed: int, agency_id: str, purpose: str) -> bytes:
    return hashlib.sha256(f"{seed}|{agency_id}|{purpose}".encode()).digest()


@dataclass(frozen=True)
class KeyRing:
    """Every simulated agency's signing key, and the invented keys forgers sign with."""

    seed: int
    keys: dict[str, SigningKey]

    def __getitem__(self, agency_id: str) -> SigningKey:
        return self.keys[agency_id]

    def forged(self, agency_id: str) -> SigningKey:
        """A key nobody registered, claiming to be ``agency_id``'s."""
        return SigningKey.derived(agency_id, _derived(self.seed, agency_id, "forged"))

    def other_than(self, agency_id: str) -> SigningKey:
        """Another agency's real key (the next one in id order), as a forger would borrow it."""
        ids = sorted(self.keys)
        return self.keys[ids[(ids.index(agency_id) + 1) % len(ids)]]


def dry_run_keys(seed: int, agency_ids: Iterable[str]) -> KeyRing:
    """Keys derived from the seed; ingest knows none of them."""
    return KeyRing(seed, {a: SigningKey.derived(a, _derived(seed, a, "key")) for a in agency_ids})


def store_keys(store: KeyStore, seed: int, agency_ids: Iterable[str]) -> tuple[KeyRing, int]:
    """The seed's keys, with every public key the registry does not hold yet registered
    (rotating an agency's other active key, as a new agency system would).

    Returns the ring and how many keys were registered."""
    ring = dry_run_keys(seed, agency_ids)
    registered = store.all()
    issued = 0
    for agency_id, key in ring.keys.items():
        if key.key_id in registered:
            continue
        rotate = any(k.agency_id == agency_id and k.active for k in registered.values())
        store.register(key.key_id, agency_id, key.public_key, OPERATOR, valid_from=KEYS_VALID_FROM, rotate=rotate)
        issued += 1
    return ring, issued
