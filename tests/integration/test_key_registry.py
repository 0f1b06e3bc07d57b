"""The key registry on SQLite and PostgreSQL: registrations, rotations and revocations are
appended with who and when, fold to each key's validity, and form a hash chain that an
edit breaks."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import update

from shared.db.engine import make_engine, migrate
from shared.db.keys import KeyRegistryError, KeyStore
from shared.db.schema import key_events
from shared.domain.keyring import KeyAction, chain_problem
from tests.factories import signing_key, utc


@pytest.fixture
def store(database_url):
    migrate(database_url)
    engine = make_engine(database_url)
    yield KeyStore(engine)
    engine.dispose()


def test_register_rotate_revoke_are_appended_and_fold_to_validity(store):
    old, new = signing_key("ha-noi", "2025"), signing_key("ha-noi", "2026")
    store.register(old.key_id, "ha-noi", old.public_key, "vpcp@host", valid_from=utc(2025, 1, 1))
    with pytest.raises(KeyRegistryError, match="rotate"):
        store.register(new.key_id, "ha-noi", new.public_key, "vpcp@host")
    before = datetime.now(timezone.utc)
    # A new key valid from a past day: the old one is rotated from now, never retroactively
    # (what it signed and ingest recorded keeps verifying).
    store.register(new.key_id, "ha-noi", new.public_key, "vpcp@host", valid_from=utc(2026, 1, 1), rotate=True)
    keys = store.all()
    assert keys[old.key_id].rotated_at >= before and keys[new.key_id].active
    assert store.revoke("ha-noi", "ciso@host") == [old.key_id, new.key_id]
    events = store.events()
    assert [(e.action, e.key_id, e.actor) for e in events] == [
        (KeyAction.REGISTERED, old.key_id, "vpcp@host"), (KeyAction.REGISTERED, new.key_id, "vpcp@host"),
        (KeyAction.ROTATED, old.key_id, "vpcp@host"), (KeyAction.REVOKED, old.key_id, "ciso@host"),
        (KeyAction.REVOKED, new.key_id, "ciso@host")]
    assert chain_problem(events) is None
    scheduled = signing_key("hue")
    store.register(scheduled.key_id, "hue", scheduled.public_key, "vpcp@host", valid_from=utc(2025, 1, 1))
    later = signing_key("hue", "2099")
    store.register(later.key_id, "hue", later.public_key, "vpcp@host", valid_from=utc(2099, 1, 1), rotate=True)
    assert store.all()[scheduled.key_id].rotated_at == utc(2099, 1, 1)  # a scheduled rotation
    with pytest.raises(KeyRegistryError, match="registered already"):
        store.register(old.key_id, "ha-noi", old.public_key, "x", rotate=True)


def test_an_edited_key_event_breaks_the_registry_chain(store):
    key = signing_key("hue")
    store.register(key.key_id, "hue", key.public_key, "vpcp@host", valid_from=utc(2025, 1, 1))
    store.revoke("hue", "vpcp@host")
    with store.engine.begin() as conn:  # an insider un-revokes the key
        conn.execute(update(key_events).where(key_events.c.action == "revoked").values(action="rotated"))
    assert "seq=2" in chain_problem(store.events())
