"""Send a plan's messages and keep the tally of what must become of them.

The tally is the contract with whoever checks the pipeline afterwards (the demo, the
integration test): how many distinct events the ledger must gain, how many re-sends
ingest must ignore, and every bad message with the reason code its dead letter must carry.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from services.simulate.plan import Message, Outcome, Plan
from services.simulate.trajectories import ANCHORS
from services.simulate.wire import to_datetime


@dataclass
class Tally:
    """Counts of a run, and every bad message it sent."""

    messages: int = 0
    recorded: Counter = field(default_factory=Counter)
    duplicates: int = 0
    rejected: list[Message] = field(default_factory=list)

    def add(self, message: Message) -> None:
        self.messages += 1
        if message.outcome is Outcome.RECORDED:
            self.recorded[message.kind] += 1
        elif message.outcome is Outcome.DUPLICATE:
            self.duplicates += 1
        else:
            self.rejected.append(message)

    @property
    def by_reason(self) -> dict[str, int]:
        return dict(sorted(Counter(m.fault.code.value for m in self.rejected).items()))

    def summary(self) -> dict[str, Any]:
        """The counts, for the command's output."""
        return dict(
            messages=self.messages,
            ledger=dict(events=sum(self.recorded.values()), by_kind=dict(sorted(self.recorded.items()))),
            duplicates=self.duplicates,
            dead_letters=dict(count=len(self.rejected), by_reason=self.by_reason),
        )


def simulate(plan: Plan, send: Callable[[str | None, bytes], None], out: IO[str] | None = None) -> Tally:
    """Send every message of ``plan`` in order (and log it to ``out``, one JSON line each)."""
    tally = Tally()
    for message in plan:
        send(message.key, message.value)
        if out is not None:
            out.write(json.dumps(message_line(message), ensure_ascii=False) + "\n")
        tally.add(message)
    return tally


def message_line(message: Message) -> dict[str, Any]:
    """A message as one line of ``--out``: Kafka key, value (text, or base64 when not UTF-8), expected outcome."""
    line: dict[str, Any] = {"key": message.key}
    try:
        line["value"] = message.value.decode("utf-8")
    except UnicodeDecodeError:
        line["value_b64"] = base64.b64encode(message.value).decode("ascii")
    line["sent_at"] = to_datetime(message.sent_at).isoformat()
    line["outcome"] = message.outcome.value
    if message.fault is not None:
        line["reason_code"] = message.fault.code.value
    return line


def expectations(plan: Plan, tally: Tally) -> dict[str, Any]:
    """What must end where once ingest has consumed the run: the file ``--expectations`` writes."""
    config = plan.config
    return dict(
        seed=config.seed, scale=config.scale, year=config.year,
        until=config.until.isoformat() if config.until else None,
        **tally.summary(),
        rejected=[
            dict(reason_code=m.fault.code.value, fault=m.fault.name, what=m.fault.what, key=m.key,
                 agency_id=m.agency_id, sha256=hashlib.sha256(m.value).hexdigest(),
                 original_b64=base64.b64encode(m.value).decode("ascii"))
            for m in tally.rejected
        ],
        anchors=[
            dict(target_id=a.target_id, on=a.on.isoformat(), value=str(a.value), total=a.total, seed=a.seed,
                 quote=a.quote)
            for a in ANCHORS
        ],
        silences=[
            dict(agency_id=s.agency_id, first=s.first.isoformat(), last=s.last.isoformat(), target_id=s.target_id,
                 why=s.why)
            for s in plan.mess.silences
        ],
    )
