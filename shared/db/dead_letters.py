"""Reading and requeueing dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select, update

from shared.clock import utc_now
from shared.db.schema import dead_letters


@dataclass(frozen=True)
class DeadLetter:
    """A rejected message as the operator sees it."""

    id: int
    reason_code: str
    message: str
    original: bytes
    original_key: bytes | None
    source_topic: str
    source_partition: int
    source_offset: int
    agency_id: str | None
    event_id: str | None
    rejected_at: datetime
    requeued_at: datetime | None


class DeadLetterStore:
    """The dead-letter table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def list(self, reason: str | None = None, include_requeued: bool = False, limit: int | None = None) -> list[DeadLetter]:
        """Dead letters, oldest first, optionally of one reason code."""
        dl = dead_letters
        q = select(
            dl.c.id, dl.c.reason_code, dl.c.message, dl.c.original, dl.c.original_key, dl.c.source_topic,
            dl.c.source_partition, dl.c.source_offset, dl.c.agency_id, dl.c.event_id, dl.c.rejected_at, dl.c.requeued_at,
        ).order_by(dl.c.id)
        if reason:
            q = q.where(dl.c.reason_code == reason)
        if not include_requeued:
            q = q.where(dl.c.requeued_at.is_(None))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [DeadLetter(*r) for r in conn.execute(q)]

    def get(self, ids: list[int]) -> list[DeadLetter]:
        """The dead letters with these ids (requeued ones included)."""
        wanted = set(ids)
        return [d for d in self.list(include_requeued=True) if d.id in wanted]

    def counts_by_reason(self) -> dict[str, int]:
        """How many dead letters (not yet requeued) there are per reason code."""
        dl = dead_letters
        q = select(dl.c.reason_code, func.count()).where(dl.c.requeued_at.is_(None)).group_by(dl.c.reason_code)
        with self.engine.connect() as conn:
            return dict(sorted(conn.execute(q).all()))

    def mark_requeued(self, ids: list[int]) -> None:
        """Record that these dead letters were sent back to the raw topic."""
        with self.engine.begin() as conn:
            conn.execute(
                update(dead_letters).where(dead_letters.c.id.in_(ids)).values(requeued_at=utc_now())
            )
