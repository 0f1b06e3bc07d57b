"""Builds the adapters a command or worker needs from Settings (composition root helper).
Nothing here runs at import time; entry points create a Runtime and ask it for parts."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from shared.config import Settings
from shared.db.engine import ensure_schema, make_engine, open_existing

if TYPE_CHECKING:
    from shared.kafka import Broker


class Runtime:
    """Settings (read from the environment when first needed, so that `--help` works
    whatever the environment says), and a lazily built engine and broker client."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._given = settings
        self._engine: Engine | None = None

    @cached_property
    def settings(self) -> Settings:
        return self._given if self._given is not None else Settings.from_env()

    @property
    def engine(self) -> Engine:
        """The database, created or migrated to the newest schema first (what commands
        that write need)."""
        if self._engine is None:
            # Workers may connect as a role that cannot create tables (tiendo_worker): a
            # current schema is left alone, an old one is migrated as TIENDO_MIGRATE_URL.
            ensure_schema(self.settings.database_url, self.settings.migrate_url)
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def existing_engine(self) -> Engine:
        """The database only if it exists already (shared.db.engine.open_existing): what
        commands that only read use, so that a mistyped DATABASE_URL is an error rather
        than a new, empty database."""
        if self._engine is None:
            self._engine = open_existing(self.settings.database_url, self.settings.migrate_url)
        return self._engine

    @cached_property
    def broker(self) -> Broker:
        from shared.kafka import Broker  # kafka-python loads only for commands that use the broker

        return Broker.from_settings(self.settings)

    def close(self) -> None:
        """Close the engine's connections, if one was built. A process ending does that
        anyway; a caller running commands in its own process (CliRunner) needs it, or
        the connections outlive the command (and PostgreSQL then refuses to drop the
        database: another role's sessions are still in it)."""
        if self._engine is not None:
            self._engine.dispose()


def graceful_stop() -> Callable[[], bool]:
    """A flag that SIGTERM or Ctrl-C sets: a worker polls it between batches, so it
    finishes (commits) the batch in hand and leaves its consumer group cleanly."""
    stopping = threading.Event()

    def _stop(_signum, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stopping.is_set
