"""Signing keys for the simulated agencies: the real ones in the key store, or throw-away ones.

A run against the pipeline signs with keys ingest knows: each agency's active key from
the key store, issued there when it has none (so re-running a seed re-sends byte-identical
events, which ingest records once). A dry run touches no database and signs with keys
derived from the seed, so its output is reproducible byte for byte.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from shared.db.keys import AgencyKey, KeyStore
from shared.domain.signing import new_key_id, new_secret

_EPOCH = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _derived(seed: int, agency_id: str, purpose: str, hex_digits: int) -> str:
    return hashlib.sha256(f"{seed}|{agency_id}|{purpose}".encode()).hexdigest()[:hex_digits]


@dataclass(frozen=True)
class KeyRing:
    """Every simulated agency's signing key, and the invented keys forgers sign with."""

    seed: int
    keys: dict[str, AgencyKey]

    def __getitem__(self, agency_id: str) -> AgencyKey:
        return self.keys[agency_id]

    def forged(self, agency_id: str) -> AgencyKey:
        """A key nobody issued, claiming to be ``agency_id``'s.

        Its id has 13 hex digits after the dot where issued ids have 12
        (:func:`shared.domain.signing.new_key_id`), so it can never name a real key.
        """
        key_id = f"{agency_id}.{_derived(self.seed, agency_id, 'forged-id', 13)}"
        return AgencyKey(key_id, agency_id, _derived(self.seed, agency_id, "forged-secret", 64), _EPOCH, None, None)

    def other_than(self, agency_id: str) -> AgencyKey:
        """Another agency's real key (the next one in id order), as a forger would borrow it."""
        ids = sorted(self.keys)
        return self.keys[ids[(ids.index(agency_id) + 1) % len(ids)]]


def dry_run_keys(seed: int, agency_ids: Iterable[str]) -> KeyRing:
    """Keys derived from the seed; ingest knows none of them."""
    keys = {
        a: AgencyKey(f"{a}.{_derived(seed, a, 'key-id', 12)}", a, _derived(seed, a, "secret", 64), _EPOCH, None, None)
        for a in agency_ids
    }
    return KeyRing(seed, keys)


def store_keys(store: KeyStore, seed: int, agency_ids: Iterable[str]) -> tuple[KeyRing, int]:
    """Each agency's newest usable key from the store, issuing one where there is none.

    Returns the ring and how many keys were issued.
    """
    usable: dict[str, AgencyKey] = {}
    for key in sorted(store.all().values(), key=lambda k: k.issued_at):
        if key.rotated_at is None and key.revoked_at is None:
            usable[key.agency_id] = key
    issued = 0
    keys = {}
    for agency_id in agency_ids:
        key = usable.get(agency_id)
        if key is None:
            key = store.add(new_key_id(agency_id), agency_id, new_secret(), rotate_previous=False)
            issued += 1
        keys[agency_id] = key
    return KeyRing(seed, keys), issued
