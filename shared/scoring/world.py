"""The catalogue and the registry, as the scorer sees them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from shared.domain.agencies import Agency, agencies_on, get_agency
from shared.domain.catalogue import Target, catalogue_on, target_applies_to


class World(Protocol):
    """Targets and agencies on a day (the domain modules, or a fake in tests)."""

    def targets_on(self, day: date) -> dict[str, Target]:
        """The catalogue's targets in force on ``day``, by id."""

    def agencies_on(self, day: date) -> list[Agency]:
        """The agencies that exist on ``day``, in registry order."""

    def agency(self, agency_id: str) -> Agency:
        """The registry's agency ``agency_id`` (KeyError when unknown)."""

    def applies(self, target: Target, agency_id: str) -> bool:
        """Whether ``target`` applies to the agency."""


class DomainWorld:
    """The real catalogue and registry, with the look-ups the scorer repeats cached."""

    def __init__(self) -> None:
        self.targets_on = lru_cache(maxsize=64)(catalogue_on)
        self.agencies_on = lru_cache(maxsize=64)(agencies_on)
        self.agency = lru_cache(maxsize=None)(get_agency)
        self._applies = lru_cache(maxsize=None)(self._applies_uncached)

    def _applies_uncached(self, applies_to: frozenset[str], agency_id: str) -> bool:
        probe = _AppliesProbe(applies_to)
        return target_applies_to(probe, self.agency(agency_id))  # type: ignore[arg-type]

    def applies(self, target: Target, agency_id: str) -> bool:
        """Whether ``target`` applies to the agency (cached by the target's applies-to set)."""
        return self._applies(target.applies_to, agency_id)


# target_applies_to reads only applies_to; a hashable stand-in for the target lets the
# answer be cached per applies-to set and agency rather than per Target object.
@dataclass(frozen=True)
class _AppliesProbe:
    applies_to: frozenset[str]


def successors_chain(world: World, agency_id: str) -> list[str]:
    """The agencies that carry ``agency_id``'s history, nearest first."""
    out = []
    agency = world.agency(agency_id)
    while agency.successor is not None:
        out.append(agency.successor)
        agency = world.agency(agency.successor)
    return out
