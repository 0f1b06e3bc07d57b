"""Who receives the issued reports by e-mail, and what became of each e-mail: the
``report_subscriptions`` and ``report_deliveries`` tables (issue 17).

The report service schedules a delivery for each built report and each subscriber in its
language, sends it and records every attempt; the web view manages the subscriptions and
shows the deliveries to operators. Both go through this module (services never import
each other). Instants are stored in UTC, as everywhere (SQLite keeps no offset)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, and_, delete, exists, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from shared.clock import as_utc
from shared.db.schema import report_deliveries, report_subscriptions, reports

ROLES = ("leadership", "auditor", "operator")
PENDING, SENT, FAILED = "pending", "sent", "failed"
# The language every report is issued in first; the others are editions of it.
ORIGINAL_LANG = "vi"


class AlreadySubscribed(ValueError):
    """The address has a subscription already (one per address)."""


@dataclass(frozen=True)
class Subscription:
    """An address that receives the issued reports, as a role or for an agency."""

    id: int
    email: str
    role: str | None
    agency_id: str | None
    lang: str
    created_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One issued report e-mailed to one subscriber: pending, sent, or failed with the
    server's answer; ``next_attempt_at`` None on a failed one means given up."""

    id: int
    report_id: int
    period: str
    subscription_id: int
    email: str
    lang: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def _subscription(row) -> Subscription:
    m = row._mapping
    return Subscription(id=m["id"], email=m["email"], role=m["role"], agency_id=m["agency_id"], lang=m["lang"],
                        created_at=as_utc(m["created_at"]))


def _delivery(row) -> Delivery:
    m = row._mapping
    return Delivery(id=m["id"], report_id=m["report_id"], period=m["period"], subscription_id=m["subscription_id"],
                    email=m["email"], lang=m["lang"], status=m["status"], attempts=m["attempts"],
                    last_error=m["last_error"], next_attempt_at=_utc(m["next_attempt_at"]),
                    created_at=as_utc(m["created_at"]), sent_at=_utc(m["sent_at"]))


_d = report_deliveries
_WITH_PERIOD = select(_d, reports.c.period).join(reports, reports.c.id == _d.c.report_id)


class DeliveryStore:
    """Subscriptions and delivery records."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- subscriptions --------------------------------------------------------------
    def subscribe(self, email: str, *, role: str | None, agency_id: str | None, lang: str,
                  now: datetime) -> Subscription:
        """Subscribe ``email`` as ``role`` or for ``agency_id`` (exactly one of them); it
        receives the reports issued from ``now`` on. AlreadySubscribed when it has one."""
        if (role is None) == (agency_id is None):
            raise ValueError("a subscription names a role or an agency, not both and not neither")
        if role is not None and role not in ROLES:
            raise ValueError(f"role {role!r}: choose among {', '.join(ROLES)}")
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(insert(report_subscriptions).returning(report_subscriptions.c.id).values(
                    email=email, role=role, agency_id=agency_id, lang=lang, created_at=as_utc(now))).scalar_one()
        except IntegrityError:
            raise AlreadySubscribed(f"{email} is subscribed already (`tiendo web subscription list`)") from None
        return self.subscription(new_id)

    def subscription(self, subscription_id: int) -> Subscription | None:
        """One subscription, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(report_subscriptions)
                               .where(report_subscriptions.c.id == subscription_id)).first()
        return _subscription(row) if row else None

    def subscriptions(self) -> list[Subscription]:
        """Every subscription, oldest first."""
        with self.engine.connect() as conn:
            return [_subscription(r) for r in conn.execute(select(report_subscriptions)
                                                           .order_by(report_subscriptions.c.id))]

    def unsubscribe(self, subscription_id: int) -> bool:
        """Remove a subscription and its e-mails not sent yet (sent ones stay on record);
        False when there is no such subscription."""
        with self.engine.begin() as conn:
            conn.execute(delete(_d).where(_d.c.subscription_id == subscription_id, _d.c.status != SENT))
            gone = conn.execute(delete(report_subscriptions).where(report_subscriptions.c.id == subscription_id))
        return gone.rowcount == 1

    # ---- deliveries -----------------------------------------------------------------
    def schedule(self, now: datetime) -> int:
        """Add a pending delivery, due ``now``, for every built report and every
        subscriber in its language who subscribed before it was built and has none yet
        (a subscriber in a language the period has no report in gets the Vietnamese
        one, and its own edition too if one is issued later); how many were added. Idempotent, so a worker that stopped between building a
        report and scheduling its e-mails schedules them on its next round."""
        s = report_subscriptions
        missing = ~exists().where(_d.c.report_id == reports.c.id, _d.c.subscription_id == s.c.id)
        own = reports.alias("own")
        # A subscriber whose language has no edition of the period gets the original one.
        no_edition = ~exists().where(own.c.period == reports.c.period, own.c.lang == s.c.lang,
                                     own.c.built_at.is_not(None))
        wanted = or_(s.c.lang == reports.c.lang, and_(reports.c.lang == ORIGINAL_LANG, no_edition))
        rows = (select(reports.c.id, s.c.id, s.c.email, s.c.lang, literal(PENDING), literal(0),
                       literal(as_utc(now), _d.c.next_attempt_at.type), literal(as_utc(now), _d.c.created_at.type))
                .select_from(reports.join(s, and_(wanted, s.c.created_at <= reports.c.built_at)))
                .where(reports.c.built_at.is_not(None), missing))
        columns = ["report_id", "subscription_id", "email", "lang", "status", "attempts", "next_attempt_at",
                   "created_at"]
        try:
            with self.engine.begin() as conn:
                # Counted from RETURNING: psycopg gives no rowcount for an INSERT … SELECT.
                return len(conn.execute(insert(_d).from_select(columns, rows).returning(_d.c.id)).all())
        except IntegrityError:
            return 0  # another worker scheduled them a moment ago

    def due(self, now: datetime) -> list[Delivery]:
        """Deliveries not sent whose next attempt is due by ``now``, oldest first."""
        q = _WITH_PERIOD.where(_d.c.status != SENT, _d.c.next_attempt_at <= as_utc(now)).order_by(_d.c.id)
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(q)]

    def claim(self, delivery: Delivery, lease_until: datetime) -> bool:
        """Take ``delivery`` for one attempt (counted now), pushing its next attempt to
        ``lease_until`` so that no other worker sends it meanwhile; False when another
        worker took or sent it since it was read."""
        with self.engine.begin() as conn:
            taken = conn.execute(update(_d).where(_d.c.id == delivery.id, _d.c.attempts == delivery.attempts,
                                                  _d.c.status != SENT)
                                 .values(attempts=_d.c.attempts + 1, next_attempt_at=as_utc(lease_until)))
        return taken.rowcount == 1

    def mark_sent(self, delivery_id: int, at: datetime) -> None:
        """The server accepted the message."""
        with self.engine.begin() as conn:
            conn.execute(update(_d).where(_d.c.id == delivery_id)
                         .values(status=SENT, sent_at=as_utc(at), next_attempt_at=None))

    def mark_failed(self, delivery_id: int, error: str, next_attempt_at: datetime | None) -> None:
        """The attempt failed with ``error`` (the server's answer); tried again at
        ``next_attempt_at`` (None: given up)."""
        with self.engine.begin() as conn:
            conn.execute(update(_d).where(_d.c.id == delivery_id).values(
                status=FAILED, last_error=error, next_attempt_at=_utc(next_attempt_at)))

    def retry(self, now: datetime, delivery_ids: list[int] | None = None) -> int:
        """Make failed deliveries (those given up included) due at ``now``: all of them,
        or those of ``delivery_ids``; how many."""
        q = update(_d).where(_d.c.status == FAILED)
        if delivery_ids is not None:
            q = q.where(_d.c.id.in_(delivery_ids))
        with self.engine.begin() as conn:
            return conn.execute(q.values(next_attempt_at=as_utc(now))).rowcount

    def deliveries(self, limit: int = 200) -> list[Delivery]:
        """The most recent deliveries, newest first."""
        with self.engine.connect() as conn:
            return [_delivery(r) for r in conn.execute(_WITH_PERIOD.order_by(_d.c.id.desc()).limit(limit))]
