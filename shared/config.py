"""Settings read from the environment, the same for every command and worker."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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

    @property
    def receipts(self) -> str:
        """Ingest's acknowledgement of each recorded event, keyed by its agency."""
        return f"{self.prefix}.receipts.v1"

    @property
    def tree_heads(self) -> str:
        """Signed tree heads, kept forever (auditors and witnesses read them all)."""
        return f"{self.prefix}.tree-heads.v1"

    def all(self) -> list[str]:
        """Every topic the pipeline uses."""
        return [self.progress, self.dead_letters, self.ledger, self.reports, self.alerts, self.receipts,
                self.tree_heads]

    def configs(self) -> dict[str, dict[str, str]]:
        """Topic settings other than the broker's defaults, by topic."""
        return {self.tree_heads: {"retention.ms": "-1", "retention.bytes": "-1"}}


CREDENTIAL_VARIABLES = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD")


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (what infra/kafka.sh writes; blank lines and ``#`` comments
    ignored, one pair of surrounding quotes removed)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip().removeprefix("export ").strip()] = value
    return values


@dataclass(frozen=True)
class KafkaCredentials:
    """Who a process is to the broker: a SASL principal, or nobody (PLAINTEXT)."""

    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def principal(self) -> str | None:
        """``User:<name>`` as the broker's ACLs name it, or None when anonymous."""
        return f"User:{self.username}" if self.username else None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "KafkaCredentials":
        """KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM (SCRAM-SHA-512)
        and KAFKA_SECURITY_PROTOCOL (SASL_PLAINTEXT with a user name, else PLAINTEXT),
        read from the file TIENDO_KAFKA_CREDENTIALS names (infra/kafka.sh writes one per
        principal) when it is set; a variable set in the environment wins over the file."""
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        path = env.get("TIENDO_KAFKA_CREDENTIALS")
        if path:
            try:
                values = read_env_file(Path(path))
            except OSError as exc:
                raise ValueError(f"TIENDO_KAFKA_CREDENTIALS={path}: cannot read it ({exc.strerror})") from None
        values.update({k: env[k] for k in CREDENTIAL_VARIABLES if env.get(k)})
        username = values.get("KAFKA_SASL_USERNAME") or None
        if username and not values.get("KAFKA_SASL_PASSWORD"):
            raise ValueError(f"KAFKA_SASL_USERNAME={username} is set but KAFKA_SASL_PASSWORD is not")
        return cls(
            security_protocol=values.get("KAFKA_SECURITY_PROTOCOL") or ("SASL_PLAINTEXT" if username else "PLAINTEXT"),
            sasl_mechanism=(values.get("KAFKA_SASL_MECHANISM") or "SCRAM-SHA-512") if username else None,
            username=username,
            password=values.get("KAFKA_SASL_PASSWORD") if username else None,
        )

    def as_env(self) -> dict[str, str]:
        """The variables that make a child process this principal."""
        if not self.username:
            return {"KAFKA_SECURITY_PROTOCOL": self.security_protocol}
        return {"KAFKA_SECURITY_PROTOCOL": self.security_protocol, "KAFKA_SASL_MECHANISM": self.sasl_mechanism or "",
                "KAFKA_SASL_USERNAME": self.username, "KAFKA_SASL_PASSWORD": self.password or ""}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class MailSettings:
    """The SMTP server issued reports are e-mailed through, and the web address their
    e-mails link to. No host: nothing is sent (deliveries wait, pending)."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = True
    sender: str = "tiendo@localhost"
    ca_file: Path | None = None
    """A CA bundle that signs the server's certificate, when not the system's (a private CA)."""
    web_url: str = "http://127.0.0.1:8000"
    timeout_s: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "MailSettings":
        """TIENDO_SMTP_HOST, TIENDO_SMTP_PORT (587), TIENDO_SMTP_USERNAME,
        TIENDO_SMTP_PASSWORD, TIENDO_SMTP_STARTTLS (true|false, default true),
        TIENDO_SMTP_FROM, TIENDO_SMTP_CA_FILE and TIENDO_WEB_URL. A user name without
        STARTTLS is refused: the password would cross the network in clear."""
        env = os.environ if env is None else env
        starttls = (env.get("TIENDO_SMTP_STARTTLS") or "true").strip().lower()
        if starttls not in _TRUE | _FALSE:
            raise ValueError(f"TIENDO_SMTP_STARTTLS={starttls}: say true or false")
        username = env.get("TIENDO_SMTP_USERNAME") or None
        if username and starttls in _FALSE:
            raise ValueError("TIENDO_SMTP_USERNAME is set but TIENDO_SMTP_STARTTLS is false: "
                             "the password would be sent in clear")
        if username and not env.get("TIENDO_SMTP_PASSWORD"):
            raise ValueError(f"TIENDO_SMTP_USERNAME={username} is set but TIENDO_SMTP_PASSWORD is not")
        return cls(
            host=env.get("TIENDO_SMTP_HOST") or None,
            port=int(env.get("TIENDO_SMTP_PORT") or 587),
            username=username,
            password=env.get("TIENDO_SMTP_PASSWORD") if username else None,
            starttls=starttls in _TRUE,
            sender=env.get("TIENDO_SMTP_FROM") or "tiendo@localhost",
            ca_file=Path(env["TIENDO_SMTP_CA_FILE"]) if env.get("TIENDO_SMTP_CA_FILE") else None,
            web_url=(env.get("TIENDO_WEB_URL") or "http://127.0.0.1:8000").rstrip("/"),
        )


@dataclass(frozen=True)
class Settings:
    """What a process needs to find the broker, the database and its topics."""

    database_url: str
    kafka_bootstrap_servers: str
    topic_prefix: str
    data_dir: Path
    partitions: int = 6
    kafka_timeout_ms: int = 30_000
    ledger_key_path: Path | None = None
    """The ledger operator's key file (tree heads); default <data dir>/keys/ledger.key.pem."""
    reports_key_path: Path | None = None
    """The key file that signs issued reports; default <data dir>/keys/reports.key.pem."""
    migrate_url: str | None = None
    """The schema owner's URL, when DATABASE_URL names a role that may not create tables."""
    kafka_credentials: KafkaCredentials = field(default_factory=KafkaCredentials)
    """The SASL principal this process is to the broker (none: PLAINTEXT)."""
    mail: MailSettings = field(default_factory=MailSettings)
    """Where issued reports are e-mailed from (shared.config.MailSettings)."""

    def __post_init__(self) -> None:
        # Key files default to the data directory, however the settings were made.
        keys = Path(self.data_dir) / "keys"
        if self.ledger_key_path is None:
            object.__setattr__(self, "ledger_key_path", keys / "ledger.key.pem")
        if self.reports_key_path is None:
            object.__setattr__(self, "reports_key_path", keys / "reports.key.pem")

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
        TIENDO_KAFKA_TIMEOUT_MS (how long to wait for an unreachable broker),
        TIENDO_MIGRATE_URL (who migrates the schema, when not DATABASE_URL's role),
        TIENDO_LEDGER_KEY and TIENDO_REPORTS_KEY (the operator's key files), the
        broker credentials (KafkaCredentials.from_env) and the SMTP server reports are
        e-mailed through (MailSettings.from_env)."""
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
            ledger_key_path=Path(env["TIENDO_LEDGER_KEY"]) if env.get("TIENDO_LEDGER_KEY") else None,
            reports_key_path=Path(env["TIENDO_REPORTS_KEY"]) if env.get("TIENDO_REPORTS_KEY") else None,
            kafka_credentials=KafkaCredentials.from_env(env),
            mail=MailSettings.from_env(env),
        )
