"""The figures the scorer computes with (a ratio, a count, a milestone), and their JSON
form in the scorer's own store (the contract's form)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Ratio:
    """A share: ``num`` of ``den`` (``den`` > 0)."""

    num: int
    den: int


@dataclass(frozen=True, slots=True)
class Count:
    """A number of things (procedures, services) reached."""

    n: int


@dataclass(frozen=True, slots=True)
class Milestone:
    """A milestone done or not, and the day it was done when the event says."""

    done: bool
    done_on: date | None = None


Fig = Ratio | Count | Milestone  # any one figure


class MalformedEntry(ValueError):
    """A ledger message or row the scorer cannot read."""


def figure_from_json(obj: dict[str, Any] | None) -> Fig | None:
    """The figure of an event as the contract writes it (``{"type": "ratio", ...}``)."""
    if obj is None:
        return None
    try:
        kind = obj["type"]
        if kind == "ratio":
            num, den = obj["numerator"], obj["denominator"]
            if type(num) is not int or type(den) is not int or den <= 0 or not 0 <= num:
                raise MalformedEntry(f"bad ratio figure {obj!r}")
            return Ratio(num, den)
        if kind == "count":
            n = obj["count"]
            if type(n) is not int or n < 0:
                raise MalformedEntry(f"bad count figure {obj!r}")
            return Count(n)
        if kind == "milestone":
            done_on = obj.get("done_on")
            return Milestone(bool(obj["done"]), date.fromisoformat(done_on) if done_on else None)
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEntry(f"bad figure {obj!r}: {exc}") from None
    raise MalformedEntry(f"unknown figure type in {obj!r}")


def figure_to_json(fig: Fig | None) -> str | None:
    """Compact JSON of a figure, in the contract's form (for the scorer's own store)."""
    if fig is None:
        return None
    if isinstance(fig, Ratio):
        obj: dict[str, Any] = {"type": "ratio", "numerator": fig.num, "denominator": fig.den}
    elif isinstance(fig, Count):
        obj = {"type": "count", "count": fig.n}
    else:
        obj = {"type": "milestone", "done": fig.done}
        if fig.done_on is not None:
            obj["done_on"] = fig.done_on.isoformat()
    return json.dumps(obj, separators=(",", ":"))
