"""The web view's tables (migration 0013): its users, their sessions and the failed login
attempts the rate limit counts; and the few reads a page needs beyond the scorer's and
the report's stores (an agency's latest ledger entries, its dead letters).

Passwords and session tokens never reach this module: the web hashes them first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, desc, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.clock import as_utc, utc_now
from shared.db.schema import dead_letters, ledger_entries, web_login_attempts, web_sessions, web_users


class UserExists(ValueError):
    """A web user of that name is registered already."""


@dataclass(frozen=True)
class WebUser:
    """A registered web user (its password hash included: only the authenticator reads it)."""

    name: str
    role: str
    agency_id: str | None
    password_hash: str
    created_at: datetime


def _user(row) -> WebUser:
    m = row._mapping
    return WebUser(m["name"], m["role"], m["agency_id"], m["password_hash"], as_utc(m["created_at"]))


class WebUserStore:
    """Users, sessions and login attempts of the web view."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- users ------------------------------------------------------------------------
    def add_user(self, name: str, role: str, agency_id: str | None, password_hash: str) -> WebUser:
        """Register a user; :class:`UserExists` when the name is taken."""
        now = utc_now()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(web_users).values(name=name, role=role, agency_id=agency_id,
                                                      password_hash=password_hash, created_at=now))
        except IntegrityError:
            raise UserExists(name) from None
        return WebUser(name, role, agency_id, password_hash, now)

    def user(self, name: str) -> WebUser | None:
        """The user of that name, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(web_users).where(web_users.c.name == name)).first()
        return None if row is None else _user(row)

    def users(self) -> list[WebUser]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(web_users).order_by(web_users.c.name))]

    # ---- sessions ---------------------------------------------------------------------
    def open_session(self, token_hash: str, user_name: str, expires_at: datetime) -> None:
        """Record a session by the hash of its token."""
        with self.engine.begin() as conn:
            conn.execute(insert(web_sessions).values(token_hash=token_hash, user_name=user_name,
                                                     expires_at=expires_at, created_at=utc_now()))

    def session_user(self, token_hash: str, now: datetime) -> WebUser | None:
        """The user of an unexpired session, or None."""
        s, u = web_sessions, web_users
        q = select(u).join(s, s.c.user_name == u.c.name).where(s.c.token_hash == token_hash)
        q = q.add_columns(s.c.expires_at)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None or as_utc(row.expires_at) <= now:
            return None
        return _user(row)

    def close_session(self, token_hash: str) -> None:
        """Forget a session (logout), and every expired one with it."""
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where((web_sessions.c.token_hash == token_hash)
                                                    | (web_sessions.c.expires_at < utc_now())))

    # ---- login attempts ---------------------------------------------------------------
    def failures_since(self, name: str, address: str, since: datetime) -> int:
        """Failed logins for ``name`` from ``address`` since then."""
        a = web_login_attempts
        q = select(func.count()).select_from(a).where(a.c.name == name, a.c.address == address,
                                                       a.c.attempted_at >= since)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def record_failure(self, name: str, address: str, at: datetime, keep: timedelta) -> None:
        """Count a failed login; attempts older than ``keep`` are dropped meanwhile."""
        a = web_login_attempts
        with self.engine.begin() as conn:
            conn.execute(delete(a).where(a.c.attempted_at < at - keep))
            conn.execute(insert(a).values(name=name[:64], address=address[:64], attempted_at=at))

    def clear_failures(self, name: str, address: str) -> None:
        """A successful login starts the count again."""
        a = web_login_attempts
        with self.engine.begin() as conn:
            conn.execute(delete(a).where(a.c.name == name, a.c.address == address))


class AgencyEvidence:
    """An agency's latest ledger entries and its dead letters, newest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def entries(self, agency_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Its latest ledger entries (payload as stored: canonical JSON). Its chain order is
        its seq order, and (agency_id, chain_pos) is indexed: the newest are read first."""
        t = ledger_entries
        q = (select(t.c.seq, t.c.event_id, t.c.target_id, t.c.kind, t.c.observed_at, t.c.amends, t.c.payload,
                    t.c.recorded_at).where(t.c.agency_id == agency_id).order_by(desc(t.c.chain_pos)).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def rejections(self, agency_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Its dead letters (those that carry its id), with the reason, message and original."""
        d = dead_letters
        q = (select(d.c.id, d.c.reason_code, d.c.message, d.c.original, d.c.event_id, d.c.rejected_at,
                    d.c.requeued_at).where(d.c.agency_id == agency_id).order_by(desc(d.c.id)).limit(limit))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def version(self, agency_id: str) -> tuple[int | None, int | None, int]:
        """What changes whenever the agency's evidence does: its newest chain position,
        its newest dead letter and how many of its dead letters were requeued (three
        index reads: (agency_id, chain_pos) and (agency_id, id), migration 0015)."""
        t, d = ledger_entries, dead_letters
        with self.engine.connect() as conn:
            head = conn.execute(select(func.max(t.c.chain_pos)).where(t.c.agency_id == agency_id)).scalar()
            newest, requeued = conn.execute(select(func.max(d.c.id), func.count(d.c.requeued_at))
                                            .where(d.c.agency_id == agency_id)).one()
        return head, newest, requeued

    def recorded_at(self, seq: int) -> datetime | None:
        """When the ledger entry ``seq`` was recorded (None: no such entry)."""
        t = ledger_entries
        with self.engine.connect() as conn:
            at = conn.execute(select(t.c.recorded_at).where(t.c.seq == seq)).scalar()
        return None if at is None else as_utc(at)
