"""The key registry's store: agencies' public keys as an append-only chain of key events."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from shared.clock import utc_now
from shared.db.schema import key_events
from shared.domain.chain import GENESIS_HASH
from shared.domain.keyring import KeyAction, KeyEvent, PublicKey, fold_keys, key_event_hash


class KeyRegistryError(ValueError):
    """A registration, rotation or revocation the registry refuses."""


def _aware(dt: datetime) -> datetime:
    # SQLite returns naive datetimes; everything is stored in UTC.
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)


class KeyStore:
    """The key_events table. Only the schema owner may write it (migration 0007)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def events(self) -> list[KeyEvent]:
        """Every key event in registry order."""
        with self.engine.connect() as conn:
            return _events(conn)

    def all(self) -> dict[str, PublicKey]:
        """Every key by id, as the registry's events leave it (small: a few per agency)."""
        return fold_keys(self.events())

    def register(self, key_id: str, agency_id: str, public_key: bytes, actor: str,
                 valid_from: datetime | None = None, rotate: bool = False) -> PublicKey:
        """Record a new public key. With ``rotate``, the agency's active keys are recorded
        rotated from the new key's ``valid_from``, or from now if that is past (they keep
        verifying what was received before); without it, an agency that has an active key
        is refused."""
        now = utc_now()
        start = _utc(valid_from) if valid_from is not None else now
        with self._appending() as append:
            keys = fold_keys(append.existing)
            if key_id in keys:
                raise KeyRegistryError(f"key {key_id} is registered already")
            active = [k for k in keys.values() if k.agency_id == agency_id and k.active]
            if active and not rotate:
                raise KeyRegistryError(
                    f"{agency_id} has an active key ({active[0].key_id}); rotate it with "
                    f"`tiendo agency key rotate {agency_id} --public-key FILE`")
            if rotate and not active:
                raise KeyRegistryError(f"{agency_id} has no active key to rotate; register one instead")
            append(KeyAction.REGISTERED, key_id, agency_id, public_key.hex(), start, now, actor)
            for old in active:
                # Never before now: what the old key signed and ingest recorded must keep
                # verifying (a new key valid from a past day overlaps the old one until now).
                append(KeyAction.ROTATED, old.key_id, agency_id, None, max(start, now), now, actor)
        return PublicKey(key_id, agency_id, public_key, start)

    def revoke(self, agency_id: str, actor: str, key_id: str | None = None) -> list[str]:
        """Revoke an agency's unrevoked keys (or the one named) from now; their ids."""
        now = utc_now()
        with self._appending() as append:
            keys = [k for k in fold_keys(append.existing).values()
                    if k.agency_id == agency_id and k.revoked_at is None and key_id in (None, k.key_id)]
            if key_id is not None and not keys:
                raise KeyRegistryError(f"{agency_id} has no unrevoked key {key_id}")
            for k in keys:
                append(KeyAction.REVOKED, k.key_id, agency_id, None, now, now, actor)
        return [k.key_id for k in keys]

    def _appending(self) -> _Append:
        return _Append(self.engine)


class _Append:
    """One transaction that reads the registry and appends events to its chain."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.existing: list[KeyEvent] = []

    def __enter__(self) -> _Append:
        self._tx = self.engine.begin()
        self.conn = self._tx.__enter__()
        if self.conn.dialect.name == "postgresql":
            # Registrations are rare: one at a time keeps the chain from forking (the
            # unique prev_hash would refuse a fork anyway, with a less helpful error).
            self.conn.execute(text("LOCK TABLE key_events IN SHARE ROW EXCLUSIVE MODE"))
        self.existing = _events(self.conn)
        self.prev = self.existing[-1].hash if self.existing else GENESIS_HASH
        return self

    def __call__(self, action: KeyAction, key_id: str, agency_id: str, public_key: str | None,
                 effective_at: datetime, recorded_at: datetime, actor: str) -> None:
        h = key_event_hash(self.prev, action.value, key_id, agency_id, public_key, effective_at, recorded_at, actor)
        self.conn.execute(insert(key_events).values(
            action=action.value, key_id=key_id, agency_id=agency_id, public_key=public_key,
            effective_at=effective_at, recorded_at=recorded_at, actor=actor, prev_hash=self.prev, hash=h))
        self.prev = h

    def __exit__(self, *exc) -> bool | None:
        try:
            return self._tx.__exit__(*exc)
        except IntegrityError as err:
            raise KeyRegistryError(f"another registration was recorded at the same time; try again ({err.orig})") from err


def _events(conn) -> list[KeyEvent]:
    rows = conn.execute(select(key_events).order_by(key_events.c.seq)).all()
    return [KeyEvent(r.seq, KeyAction(r.action), r.key_id, r.agency_id, r.public_key, _aware(r.effective_at),
                     _aware(r.recorded_at), r.actor, r.prev_hash, r.hash) for r in rows]
