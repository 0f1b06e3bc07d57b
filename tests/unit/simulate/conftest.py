"""Simulated years shared by the simulator's unit tests: generating one is pure but not free."""

from __future__ import annotations

import pytest

from services.simulate.keys import KeyRing, dry_run_keys
from services.simulate.plan import Config, Message, Plan
from services.simulate.trajectories import Truth

SEED = 7


@pytest.fixture(scope="session")
def truth() -> Truth:
    return Truth(SEED)


@pytest.fixture(scope="session")
def ring(truth) -> KeyRing:
    return dry_run_keys(SEED, [a.id for a in truth.agencies])


@pytest.fixture(scope="session")
def year(truth, ring) -> list[Message]:
    """The whole of 2025 at scale 1: monthly reports, every kind of mess."""
    return list(Plan(Config(seed=SEED, scale=1), ring, truth))


@pytest.fixture(scope="session")
def small_year(truth, ring) -> list[Message]:
    """2025 at scale 0.05: a few hundred events."""
    return list(Plan(Config(seed=SEED, scale=0.05), ring, truth))
