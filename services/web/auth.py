"""Who is asking: web users, their roles, password logins and sessions.

A login goes through an :class:`Authenticator`; the one here checks a name and an argon2id
password hash. Another system calling the API sends an API token instead (:class:`ApiTokens`),
which acts as the web user it was issued for. Single sign-on (OIDC) would be another authenticator that turns a verified
identity into the same :class:`Principal`; sessions, roles and the pages stay as they are."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.clock import utc_now
from shared.db.web_users import ApiToken, WebUserStore

ROLES = ("leadership", "auditor", "operator", "agency")
SESSION_LIFETIME = timedelta(hours=8)
API_TOKEN_DAYS = 365
API_TOKEN_PREFIX = "tiendo_"  # a recognisable prefix lets secret scanners find a leaked token
# The rate limit: this many failed logins per name and address within the window, then
# every attempt is refused until the oldest failure leaves the window.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)

_HASHER = PasswordHasher()  # argon2id, the library's (RFC 9106's low-memory) parameters


@dataclass(frozen=True)
class Principal:
    """A signed-in user as the pages see it."""

    name: str
    role: str
    agency_id: str | None = None

    def sees_agency(self, agency_id: str) -> bool:
        """Whether this user may open that agency's page."""
        return self.role != "agency" or self.agency_id == agency_id

    def sees_rejections(self, agency_id: str) -> bool:
        """Rejected events: the agency's own users, leadership and operators (not auditors)."""
        return self.role in ("leadership", "operator") or (self.role == "agency" and self.agency_id == agency_id)

    @property
    def national(self) -> bool:
        """Whether the national pages (dashboard, targets, reports) are open to this user."""
        return self.role != "agency"


class RateLimited(Exception):
    """Too many failed logins for this name from this address."""


class Authenticator(Protocol):
    """Turns credentials into a principal (None: refused). The seam for single sign-on."""

    def authenticate(self, name: str, password: str, address: str) -> Principal | None:
        """The principal these credentials prove, or None."""


def hash_password(password: str, hasher: PasswordHasher = _HASHER) -> str:
    """An argon2id hash of ``password`` (salt and parameters included)."""
    return hasher.hash(password)


class PasswordAuthenticator:
    """Names and argon2id password hashes from the web_users table, rate-limited."""

    def __init__(self, store: WebUserStore, hasher: PasswordHasher = _HASHER) -> None:
        self.store = store
        self.hasher = hasher  # verifying reads the parameters from each stored hash

    def authenticate(self, name: str, password: str, address: str) -> Principal | None:
        """Check the password; :class:`RateLimited` after too many recent failures."""
        now = utc_now()
        if self.store.failures_since(name, address, now - FAILURE_WINDOW) >= MAX_FAILURES:
            raise RateLimited(name)
        user = self.store.user(name)
        try:
            ok = user is not None and self.hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            if user is None:
                hash_password(password, self.hasher)  # as slow as a wrong password: the answer's time names no user
            self.store.record_failure(name, address, now, FAILURE_WINDOW)
            return None
        self.store.clear_failures(name, address)
        return Principal(user.name, user.role, user.agency_id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Session cookies: a random token in the browser, its SHA-256 in the database."""

    def __init__(self, store: WebUserStore) -> None:
        self.store = store

    def open(self, principal: Principal) -> tuple[str, datetime]:
        """A new session's token and its expiry."""
        token = secrets.token_urlsafe(32)
        expires = utc_now() + SESSION_LIFETIME
        self.store.open_session(_token_hash(token), principal.name, expires)
        return token, expires

    def principal(self, token: str | None) -> Principal | None:
        """Who holds this token, if its session is open."""
        if not token:
            return None
        user = self.store.session_user(_token_hash(token), utc_now())
        return None if user is None else Principal(user.name, user.role, user.agency_id)

    def close(self, token: str | None) -> None:
        """End the session of this token."""
        if token:
            self.store.close_session(_token_hash(token))


class UnknownUser(LookupError):
    """No web user of that name."""


class ApiTokens:
    """Bearer tokens of the read-only API: a random token for the calling system, its
    SHA-256 in the database. A token acts as its web user (role and agency) on /api/…"""

    def __init__(self, store: WebUserStore) -> None:
        self.store = store

    def issue(self, user_name: str, label: str, days: int = API_TOKEN_DAYS) -> tuple[str, ApiToken]:
        """A new token for ``user_name`` (shown once: it is not kept) and its record;
        :class:`UnknownUser` when there is no such user."""
        if self.store.user(user_name) is None:
            raise UnknownUser(user_name)
        token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
        return token, self.store.add_token(_token_hash(token), user_name, label, utc_now() + timedelta(days=days))

    def principal(self, token: str) -> Principal | None:
        """Who this token acts as, if it is known, not revoked and not expired."""
        if not token.startswith(API_TOKEN_PREFIX):
            return None
        user = self.store.token_user(_token_hash(token), utc_now())
        return None if user is None else Principal(user.name, user.role, user.agency_id)
