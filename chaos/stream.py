"""What the chaos runs send, and what must become of it.

A fault scenario sends the first N messages of a simulated 2025 (services.simulate): every
ministry and province reporting, with re-sends, corrections, retractions and the
simulator's kinds of bad event, signed with the simulated agencies' Ed25519 keys, whose
public keys are registered in the pipeline's own key registry (valid from 2020). The
stream replays 2025, so ingest runs with --replay-clock (chaos/scenarios.py). The plan
says where each message must end: one ledger entry, nothing (a re-send), or a dead
letter with a given reason. A prefix of the plan is consistent: a re-send, a
correction or a bad event referring to an earlier one always comes after it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Engine

from shared.db.keys import KeyStore

from services.simulate.keys import store_keys
from services.simulate.plan import Config, Outcome, Plan
from services.simulate.trajectories import Truth

MESSAGES_PER_SCALE = 6500
"""Messages of one simulated year per unit of scale (6,700 to 7,300 measured): a plan of
scale N / MESSAGES_PER_SCALE has at least N messages."""


@dataclass
class Expected:
    """Messages to send and where each must end."""

    messages: list[tuple[str | bytes | None, bytes | None]] = field(default_factory=list)
    recorded: set[tuple[str, str]] = field(default_factory=set)
    """(agency_id, event_id) of every distinct valid event."""
    rejected: Counter = field(default_factory=Counter)
    """(original bytes, reason code) of every bad message, with multiplicity; the reason
    is None where any reason will do (a fuzzed mutant)."""
    duplicates: int = 0
    """Exact re-sends of valid events: ingest must ignore them."""

    @property
    def bad(self) -> int:
        return sum(self.rejected.values())

    def add_valid(self, key, value: bytes, agency_id: str, event_id: str) -> None:
        self.messages.append((key, value))
        if (agency_id, event_id) in self.recorded:
            self.duplicates += 1
        self.recorded.add((agency_id, event_id))

    def add_bad(self, key, value: bytes | None, reason: str | None) -> None:
        self.messages.append((key, value))
        self.rejected[(value or b"", reason)] += 1


def simulated(engine: Engine, n: int, seed: int = 2025) -> Expected:
    """The first ``n`` messages of a simulated 2025, signed with the seed's keys, whose
    public keys are registered in ``engine``'s key registry where it lacks them."""
    truth = Truth(seed)
    ring, _ = store_keys(KeyStore(engine), seed, [a.id for a in truth.agencies])
    plan = Plan(Config(seed=seed, scale=max(0.5, n / MESSAGES_PER_SCALE)), ring, truth)
    out = Expected()
    for message in plan:
        if len(out.messages) == n:
            break
        if message.outcome is Outcome.REJECTED:
            out.add_bad(message.key, message.value, message.fault.code.value)
        else:
            out.add_valid(message.key, message.value, message.agency_id, message.event_id)
    if len(out.messages) < n:
        raise ValueError(f"the simulated year has only {len(out.messages)} messages, fewer than {n}")
    return out
