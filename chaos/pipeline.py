"""One pipeline of a chaos run: its database, its topics (a random prefix, so runs share
a broker without meeting), the harness's own view of both, and the environment its
worker processes get."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from shared.config import KafkaCredentials, Settings
from shared.db.engine import make_engine, migrate
from shared.db.ledger import LedgerStore
from shared.kafka import Broker

from chaos.infra import Database


@dataclass
class Pipeline:
    """Topics, database and workers' environment of one scenario."""

    db: Database
    bootstrap: str
    data_dir: Path
    partitions: int = 6
    prefix: str = field(default_factory=lambda: f"chaos{uuid.uuid4().hex[:10]}")
    credentials: KafkaCredentials = field(default_factory=KafkaCredentials.from_env)
    """The broker principal of the harness and its workers (TIENDO_KAFKA_CREDENTIALS)."""

    def __post_init__(self) -> None:
        # The schema owner migrates; the workers then find the schema current and, on
        # PostgreSQL, each runs as its service's role (migration 0007).
        migrate(self.db.owner_url)
        self.settings = Settings(database_url=self.db.owner_url, kafka_bootstrap_servers=self.bootstrap,
                                 topic_prefix=self.prefix, data_dir=self.data_dir, partitions=self.partitions,
                                 kafka_credentials=self.credentials)
        self.engine: Engine = make_engine(self.db.owner_url)
        self.ledger = LedgerStore(self.engine)
        self.broker = Broker(self.bootstrap, credentials=self.settings.kafka_credentials)
        self.broker.ensure_topics(self.settings.topics.all(), self.partitions)

    @property
    def topics(self):
        return self.settings.topics

    def worker_env(self, service: str | None = None) -> dict[str, str]:
        """What a `python -m services …` process of this pipeline runs with: as the role
        of ``service`` (ingest, scorer, report), or as the owner (operator commands)."""
        inherited = {k: v for k, v in os.environ.items() if k != "TIENDO_KAFKA_CREDENTIALS"}
        return {**inherited, **self.credentials.as_env(),
                "DATABASE_URL": self.db.url(service), "TIENDO_MIGRATE_URL": self.db.owner_url,
                "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap, "TIENDO_TOPIC_PREFIX": self.prefix,
                "TIENDO_DATA_DIR": str(self.data_dir), "TIENDO_PARTITIONS": str(self.partitions)}

    def dispose(self) -> None:
        """Close the harness's database connections (before copying or dropping it)."""
        self.engine.dispose()
