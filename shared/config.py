"""Settings read from the environment, the same for every command and worker.

One model, :class:`Settings`, read through pydantic-settings: each field names the
environment variable it comes from, a bad value is refused with one line naming that
variable (:class:`ConfigError`), and nothing but the documented variables is read. Built
directly (tests, benchmarks, chaos runs), a model takes its arguments and its defaults
only, never the environment of the process that builds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, PositiveInt, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

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


class ConfigError(ValueError):
    """A setting that cannot be used, said in one line that names its variable."""


# pydantic's wording where an operator needs another (a yes/no variable).
_PLAIN = {"bool_parsing": "say true or false"}


def _one_line(exc: ValidationError) -> str:
    """``NAME: what is wrong: 'value'`` for each refused value, joined by ``; ``."""
    parts = []
    for error in exc.errors(include_url=False):
        if error["type"] == "default_factory_not_called":
            continue  # a default made from a refused value (the key paths from TIENDO_DATA_DIR)
        message = _PLAIN.get(error["type"], error["msg"]).removeprefix("Value error, ")
        if error["type"] != "value_error" and isinstance(error.get("input"), (str, int, float)):
            message = f"{message[:1].lower()}{message[1:]}: {error['input']!r}"
        name = ".".join(str(part) for part in error["loc"])  # none for a rule across variables
        parts.append(f"{name}: {message}" if name else message)
    return "; ".join(parts)


class _Variables(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (``os.environ`` unless a
    caller passes its own, as tests and the child processes' builders do), reading only
    the variable each field names (``validation_alias``): a nested part such as ``mail``
    must not be taken from an unrelated ``MAIL`` variable, nor ``database_url`` from a
    lower-case one."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The hook pydantic-settings' own file sources (DotEnvSettingsSource) override. The
        # model is case-sensitive and ignores empty values (an empty variable is unset).
        return {name: value for name, value in self._environ.items() if value != ""}

    def get_field_value(self, field, field_name: str):
        # The variable the field names, and no other spelling (not the field's own name,
        # which pydantic-settings also tries when fields may be set by name). Every such
        # field holds one plain value (no JSON to decode: "complex" is False).
        name = field.validation_alias if isinstance(field.validation_alias, str) else None
        return (self.env_vars.get(name) if name else None), name or field_name, False


class _FromEnvironment(BaseSettings):
    """A settings model whose fields name their variables, read by ``from_env``."""

    model_config = SettingsConfigDict(frozen=True, case_sensitive=True, env_ignore_empty=True,
                                      validate_by_name=True, validate_by_alias=True, extra="ignore")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)  # built directly: its arguments and defaults only (see the module's docstring)

    @classmethod
    def _read(cls, env: Mapping[str, str] | None, **parts: Any):
        values = _Variables(cls, os.environ if env is None else env)()
        try:
            return cls(**values, **parts)
        except ValidationError as exc:
            raise ConfigError(_one_line(exc)) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None):
        """The settings that ``env`` (the process's environment by default) gives."""
        return cls._read(env)


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


class KafkaCredentials(_FromEnvironment):
    """Who a process is to the broker: a SASL principal, or nobody (PLAINTEXT)."""

    security_protocol: str = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    sasl_mechanism: str | None = Field(None, validation_alias="KAFKA_SASL_MECHANISM")
    username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    password: str | None = Field(None, validation_alias="KAFKA_SASL_PASSWORD", repr=False)

    @model_validator(mode="before")
    @classmethod
    def _principal_defaults(cls, values: Any) -> Any:
        # A user name brings SASL_PLAINTEXT and SCRAM-SHA-512 unless told otherwise, and
        # needs a password; without one, only the protocol counts (PLAINTEXT by default).
        if not isinstance(values, dict):
            return values
        given = {name: values.get(field.validation_alias, values.get(name))
                 for name, field in cls.model_fields.items()}
        if not given["username"]:
            return {"security_protocol": given["security_protocol"] or "PLAINTEXT"}
        if not given["password"]:
            raise ValueError(f"KAFKA_SASL_USERNAME={given['username']} is set but KAFKA_SASL_PASSWORD is not")
        return {**given, "security_protocol": given["security_protocol"] or "SASL_PLAINTEXT",
                "sasl_mechanism": given["sasl_mechanism"] or "SCRAM-SHA-512"}

    @property
    def principal(self) -> str | None:
        """``User:<name>`` as the broker's ACLs name it, or None when anonymous."""
        return f"User:{self.username}" if self.username else None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "KafkaCredentials":
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
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(f"TIENDO_KAFKA_CREDENTIALS={path}: cannot read it "
                                  f"({getattr(exc, 'strerror', None) or exc})") from None
        values.update({k: env[k] for k in CREDENTIAL_VARIABLES if env.get(k)})
        return cls._read(values)

    def as_env(self) -> dict[str, str]:
        """The variables that make a child process this principal."""
        if not self.username:
            return {"KAFKA_SECURITY_PROTOCOL": self.security_protocol}
        return {"KAFKA_SECURITY_PROTOCOL": self.security_protocol, "KAFKA_SASL_MECHANISM": self.sasl_mechanism or "",
                "KAFKA_SASL_USERNAME": self.username, "KAFKA_SASL_PASSWORD": self.password or ""}


class MailSettings(_FromEnvironment):
    """The SMTP server issued reports are e-mailed through, and the web address their
    e-mails link to. No host: nothing is sent (deliveries wait, pending).

    TIENDO_SMTP_HOST, TIENDO_SMTP_PORT (587), TIENDO_SMTP_USERNAME, TIENDO_SMTP_PASSWORD,
    TIENDO_SMTP_STARTTLS (true|false, default true), TIENDO_SMTP_FROM, TIENDO_SMTP_CA_FILE
    and TIENDO_WEB_URL. A user name without STARTTLS is refused: the password would cross
    the network in clear."""

    host: str | None = Field(None, validation_alias="TIENDO_SMTP_HOST")
    port: int = Field(587, ge=1, le=65535, validation_alias="TIENDO_SMTP_PORT")
    username: str | None = Field(None, validation_alias="TIENDO_SMTP_USERNAME")
    password: str | None = Field(None, validation_alias="TIENDO_SMTP_PASSWORD", repr=False)
    starttls: bool = Field(True, validation_alias="TIENDO_SMTP_STARTTLS")
    sender: str = Field("tiendo@localhost", validation_alias="TIENDO_SMTP_FROM")
    ca_file: Path | None = Field(None, validation_alias="TIENDO_SMTP_CA_FILE")
    """A CA bundle that signs the server's certificate, when not the system's (a private CA)."""
    web_url: Annotated[str, AfterValidator(lambda url: url.rstrip("/"))] = Field(
        "http://127.0.0.1:8000", validation_alias="TIENDO_WEB_URL")
    timeout_s: float = 30.0

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> "MailSettings":
        if self.username and not self.starttls:
            raise ValueError("TIENDO_SMTP_USERNAME is set but TIENDO_SMTP_STARTTLS is false: "
                             "the password would be sent in clear")
        if self.username and not self.password:
            raise ValueError(f"TIENDO_SMTP_USERNAME={self.username} is set but TIENDO_SMTP_PASSWORD is not")
        return self


# What SQLAlchemy's URL would say, without SQLAlchemy (shared.db is its one home): the
# backend before any "+driver", and the drivers this project installs.
_URL = re.compile(r"^(?P<backend>[A-Za-z][A-Za-z0-9]*)(?:\+(?P<driver>[A-Za-z0-9_]+))?://")
_DRIVERS = {"sqlite": {None, "pysqlite"}, "postgresql": {None, "psycopg"}, "postgres": {None, "psycopg"}}
_EXAMPLES = "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def database_url(url: str) -> str:
    """``url`` when it names a database this project can open (SQLite, or PostgreSQL
    through psycopg 3), else a ValueError saying what is wrong with it."""
    match = _URL.match(url)
    if not match:
        shown = re.sub(r":[^:@/]*@", ":***@", url)  # a password is not repeated on the terminal or in a log
        raise ValueError(f"not a database URL: {shown!r} (say {_EXAMPLES})")
    backend, driver = match["backend"].lower(), match["driver"]
    if backend not in _DRIVERS:
        raise ValueError(f"{backend} is not supported: Tiến độ keeps its data in SQLite or PostgreSQL "
                         f"(say {_EXAMPLES})")
    if driver not in _DRIVERS[backend]:
        raise ValueError(f"the {driver} driver is not installed: say {backend}:// (psycopg 3 for PostgreSQL)")
    return url


DatabaseUrl = Annotated[str, AfterValidator(database_url)]


class Settings(_FromEnvironment):
    """What a process needs to find the broker, the database and its topics."""

    data_dir: Path = Field(PROJECT_ROOT / "data", validation_alias="TIENDO_DATA_DIR")
    """Where the embedded database, key files and reports live by default."""
    database_url: DatabaseUrl = Field(default_factory=lambda v: f"sqlite:///{Path(v['data_dir']) / 'tiendo.db'}",
                                      validation_alias="DATABASE_URL")
    kafka_bootstrap_servers: str = Field("127.0.0.1:9092", min_length=1, validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    topic_prefix: str = Field("tiendo", pattern=r"^[A-Za-z0-9._-]+$", validation_alias="TIENDO_TOPIC_PREFIX")
    """Kafka topic names' prefix: the letters, digits, dots, underscores and hyphens a topic name may hold."""
    partitions: PositiveInt = Field(6, validation_alias="TIENDO_PARTITIONS")
    """Partitions of the topics the pipeline creates."""
    kafka_timeout_ms: PositiveInt = Field(30_000, validation_alias="TIENDO_KAFKA_TIMEOUT_MS")
    """How long to wait for an unreachable broker."""
    ledger_key_path: Path = Field(default_factory=lambda v: Path(v["data_dir"]) / "keys" / "ledger.key.pem",
                                  validation_alias="TIENDO_LEDGER_KEY")
    """The ledger operator's key file (tree heads)."""
    reports_key_path: Path = Field(default_factory=lambda v: Path(v["data_dir"]) / "keys" / "reports.key.pem",
                                   validation_alias="TIENDO_REPORTS_KEY")
    """The key file that signs issued reports."""
    migrate_url: DatabaseUrl | None = Field(None, validation_alias="TIENDO_MIGRATE_URL")
    """The schema owner's URL, when DATABASE_URL names a role that may not create tables."""
    kafka_credentials: KafkaCredentials = Field(default_factory=KafkaCredentials)
    """The SASL principal this process is to the broker (none: PLAINTEXT)."""
    mail: MailSettings = Field(default_factory=MailSettings)
    """Where issued reports are e-mailed from (shared.config.MailSettings)."""

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def group(self, service: str) -> str:
        """The consumer group of a service, namespaced like the topics."""
        return f"{self.topic_prefix}.{service}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        """Read DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, TIENDO_TOPIC_PREFIX, TIENDO_DATA_DIR,
        TIENDO_PARTITIONS, TIENDO_KAFKA_TIMEOUT_MS, TIENDO_MIGRATE_URL, TIENDO_LEDGER_KEY
        and TIENDO_REPORTS_KEY (the fields' docstrings say what each is), the broker
        credentials (KafkaCredentials.from_env) and the SMTP server reports are e-mailed
        through (MailSettings). A value that cannot be used raises ConfigError."""
        return cls._read(env, kafka_credentials=KafkaCredentials.from_env(env), mail=MailSettings.from_env(env))
