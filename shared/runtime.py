"""Builds the adapters a command or worker needs from Settings (composition root helper).
Nothing here runs at import time; entry points create a Runtime and ask it for parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine

from shared.config import Settings
from shared.db.engine import make_engine, migrate
from shared.kafka import Broker


@dataclass
class Runtime:
    """Lazily built engine (migrated to the newest schema) and broker client."""

    settings: Settings = field(default_factory=Settings.from_env)

    @cached_property
    def engine(self) -> Engine:
        migrate(self.settings.database_url)
        return make_engine(self.settings.database_url)

    @cached_property
    def broker(self) -> Broker:
        return Broker(self.settings.kafka_bootstrap_servers,
                      bootstrap_timeout_ms=self.settings.kafka_timeout_ms)
