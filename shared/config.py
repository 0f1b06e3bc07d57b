"""Settings read from the environment, the same for every command and worker."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_data_dir(env=os.environ) -> Path:
    """Where the embedded database, key files and reports live by default."""
    return Path(env.get("TIENDO_DATA_DIR") or PROJECT_ROOT / "data")


@dataclass(frozen=True)
class Topics:
    """Kafka topic names; the prefix lets two pipelines share one broker."""

    prefix: str

    @property
    def progress(self) -> str:
        return f"{self.prefix}.progress.v1"

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}.progress.dlq.v1"

    @property
    def ledger(self) -> str:
        return f"{self.prefix}.ledger.v1"

    @property
    def reports(self) -> str:
        return f"{self.prefix}.reports.v1"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}.alerts.v1"

    def all(self) -> list[str]:
        """Every topic the pipeline uses."""
        return [self.progress, self.dead_letters, self.ledger, self.reports, self.alerts]


@dataclass(frozen=True)
class Settings:
    """What a process needs to find the broker, the database and its topics."""

    database_url: str
    kafka_bootstrap_servers: str
    topic_prefix: str
    data_dir: Path
    partitions: int = 6
    kafka_timeout_ms: int = 30_000
    migrate_url: str | None = None
    """The schema owner's URL, when DATABASE_URL names a role that may not create tables."""

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def group(self, service: str) -> str:
        """The consumer group of a service, namespaced like the topics."""
        return f"{self.topic_prefix}.{service}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Read DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, TIENDO_TOPIC_PREFIX, TIENDO_DATA_DIR
        TIENDO_PARTITIONS (partitions of topics the pipeline creates),
        TIENDO_KAFKA_TIMEOUT_MS (how long to wait for an unreachable broker) and
        TIENDO_MIGRATE_URL (who migrates the schema, when not DATABASE_URL's role)."""
        env = os.environ if env is None else env
        data_dir = default_data_dir(env)
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'tiendo.db'}",
            data_dir=data_dir,
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:9092",
            topic_prefix=env.get("TIENDO_TOPIC_PREFIX") or "tiendo",
            partitions=int(env.get("TIENDO_PARTITIONS") or 6),
            kafka_timeout_ms=int(env.get("TIENDO_KAFKA_TIMEOUT_MS") or 30_000),
            migrate_url=env.get("TIENDO_MIGRATE_URL") or None,
        )
