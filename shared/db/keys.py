"""Agencies' signing keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, insert, select, update

from shared.db.schema import agency_keys


@dataclass(frozen=True)
class AgencyKey:
    """One signing key of one agency."""

    key_id: str
    agency_id: str
    secret: str
    issued_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


class KeyStore:
    """The agency_keys table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self) -> dict[str, AgencyKey]:
        """Every key by key id (a few per agency: small enough to cache in a worker)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(agency_keys)).all()
        return {
            r.key_id: AgencyKey(r.key_id, r.agency_id, r.secret, _aware(r.issued_at), _aware(r.rotated_at), _aware(r.revoked_at))
            for r in rows
        }

    def for_agency(self, agency_id: str) -> list[AgencyKey]:
        """An agency's keys, oldest first."""
        return sorted((k for k in self.all().values() if k.agency_id == agency_id), key=lambda k: k.issued_at)

    def add(self, key_id: str, agency_id: str, secret: str, rotate_previous: bool) -> AgencyKey:
        """Store a new key; with `rotate_previous`, the agency's active keys are marked
        rotated in the same transaction (they keep verifying older events)."""
        now = datetime.now(timezone.utc)
        with self.engine.begin() as conn:
            if rotate_previous:
                conn.execute(
                    update(agency_keys)
                    .where(agency_keys.c.agency_id == agency_id)
                    .where(agency_keys.c.rotated_at.is_(None))
                    .where(agency_keys.c.revoked_at.is_(None))
                    .values(rotated_at=now)
                )
            conn.execute(insert(agency_keys).values(key_id=key_id, agency_id=agency_id, secret=secret, issued_at=now))
        return AgencyKey(key_id, agency_id, secret, now, None, None)

    def revoke_all(self, agency_id: str) -> int:
        """Revoke every key of an agency; returns how many were still unrevoked."""
        with self.engine.begin() as conn:
            return conn.execute(
                update(agency_keys)
                .where(agency_keys.c.agency_id == agency_id)
                .where(agency_keys.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(timezone.utc))
            ).rowcount
