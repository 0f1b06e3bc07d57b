"""The web view's tables (migrations 0013, 0016): its users, their sessions, the API's
bearer tokens and the failed login attempts the rate limit counts; and the few reads a page needs beyond the scorer's and
the report's stores (an agency's latest ledger entries, its dead letters).

Passwords, session and API tokens never reach this module: the web hashes them first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, desc, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.clock import as_utc, utc_now
from shared.db.schema import dead_letters, ledger_entries, web_api_tokens, web_login_attempts, web_sessions, web_users


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


@dataclass(frozen=True)
class ApiToken:
    """An API token as listed (never the token: only its hash is kept)."""

    id: int
    user_name: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


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

    def remove_user(self, name: str) -> bool:
        """Remove a user with its sessions and API tokens (False: no such user)."""
        with self.engine.begin() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_name == name))
            conn.execute(delete(web_api_tokens).where(web_api_tokens.c.user_name == name))
            return conn.execute(delete(web_users).where(web_users.c.name == name)).rowcount > 0

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

    # ---- API tokens -------------------------------------------------------------------
    def add_token(self, token_hash: str, user_name: str, label: str, expires_at: datetime) -> ApiToken:
        """Record an API token of ``user_name`` by its hash."""
        now = utc_now()
        with self.engine.begin() as conn:
            token_id = conn.execute(insert(web_api_tokens).values(
                token_hash=token_hash, user_name=user_name, label=label, created_at=now,
                expires_at=expires_at)).inserted_primary_key[0]
        return ApiToken(token_id, user_name, label, now, expires_at, None)

    def token_user(self, token_hash: str, now: datetime) -> WebUser | None:
        """The user of an API token neither revoked nor expired, or None."""
        k, u = web_api_tokens, web_users
        q = (select(u).join(k, k.c.user_name == u.c.name).add_columns(k.c.expires_at)
             .where(k.c.token_hash == token_hash, k.c.revoked_at.is_(None)))
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None or as_utc(row.expires_at) <= now:
            return None
        return _user(row)

    def tokens(self) -> list[ApiToken]:
        """Every API token, oldest first."""
        k = web_api_tokens
        q = select(k.c.id, k.c.user_name, k.c.label, k.c.created_at, k.c.expires_at, k.c.revoked_at).order_by(k.c.id)
        with self.engine.connect() as conn:
            return [ApiToken(r.id, r.user_name, r.label, as_utc(r.created_at), as_utc(r.expires_at),
                             None if r.revoked_at is None else as_utc(r.revoked_at)) for r in conn.execute(q)]

    def revoke_token(self, token_id: int) -> bool:
        """Revoke an API token (False: no such token, or revoked already)."""
        k = web_api_tokens
        with self.engine.begin() as conn:
            return conn.execute(update(k).where(k.c.id == token_id, k.c.revoked_at.is_(None))
                                .values(revoked_at=utc_now())).rowcount > 0

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
