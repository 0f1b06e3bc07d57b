"""Services of the chaos run's own: a Kafka broker and a PostgreSQL cluster on ports
nobody else uses, so that stopping or restarting them disturbs no one (the shared broker
on 9092 and PostgreSQL on 5432 are never touched). Also fresh databases per pipeline."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.config import KafkaCredentials
from shared.db.engine import drop_database as drop_pg_database, private_sqlite_file
from shared.db.roles import OWNER, SERVICE_ROLES, as_role, role_url

ROOT = Path(__file__).resolve().parent.parent
KAFKA_SH = ROOT / "infra" / "kafka.sh"
POSTGRES_SH = ROOT / "infra" / "postgres.sh"


class InfraError(RuntimeError):
    """A service of the run's own could not be started, stopped or removed."""


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 180) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise InfraError(f"{' '.join(map(str, argv))} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def _as_root(argv: list[str]) -> list[str]:
    return argv if os.geteuid() == 0 else ["sudo", *argv]


class OwnBroker:
    """A single-node KRaft broker (infra/kafka.sh) with its own state directory and ports."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.port = free_port()
        self.controller_port = free_port()

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def credentials(self) -> KafkaCredentials:
        """Its super user's (infra/kafka.sh generated them when it formatted the storage)."""
        return KafkaCredentials.from_env({"TIENDO_KAFKA_CREDENTIALS": str(self.state / "kafka" / "credentials" / "admin.env")})

    def _kafka(self, action: str) -> None:
        env = {**os.environ, "TIENDO_STATE": str(self.state), "KAFKA_PORT": str(self.port),
               "KAFKA_CONTROLLER_PORT": str(self.controller_port)}
        _run([str(KAFKA_SH), action], env)

    def up(self) -> None:
        """Start it (formatting its storage the first time) and wait until it serves."""
        self._kafka("up")

    def down(self) -> None:
        """Stop it the way an operator would (SIGTERM, a clean shutdown)."""
        self._kafka("down")

    def __enter__(self) -> OwnBroker:
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()
        shutil.rmtree(self.state, ignore_errors=True)


def _pg_version() -> str:
    lib = Path("/usr/lib/postgresql")
    versions = sorted((p.name for p in lib.iterdir() if (p / "bin" / "postgres").exists()), key=int) if lib.is_dir() else []
    if not versions or shutil.which("pg_createcluster") is None:
        raise InfraError("Debian's PostgreSQL tools are missing: run `make deps` (infra/debian-packages.sh)")
    return versions[-1]


class OwnPostgres:
    """A PostgreSQL cluster of Debian's (pg_createcluster) on a free port, with the
    project's roles and database (infra/postgres.sh, which honours PGPORT)."""

    def __init__(self) -> None:
        self.version = _pg_version()
        self.name = f"tiendo-chaos-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.port = free_port()

    def url(self, database: str = "tiendo", role: str = OWNER) -> str:
        """A role's URL on this cluster (infra/postgres.sh gave it the passwords file's password)."""
        return role_url(role, f"127.0.0.1:{self.port}", database)

    def _ctl(self, *args: str) -> None:
        _run(_as_root(["pg_ctlcluster", self.version, self.name, *args]))

    def up(self) -> None:
        """Create the cluster, start it, and create the roles and the database."""
        _run(_as_root(["pg_createcluster", self.version, self.name, "-p", str(self.port)]))
        _run([str(POSTGRES_SH), "up"], {**os.environ, "PGPORT": str(self.port)})

    def stop(self) -> None:
        """Stop it in fast mode: open connections are cut, as in a real restart."""
        self._ctl("stop", "-m", "fast")

    def start(self) -> None:
        """Start it again and wait until it accepts connections."""
        self._ctl("start")
        deadline = time.monotonic() + 60
        while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode != 0:
            if time.monotonic() > deadline:
                raise InfraError(f"PostgreSQL cluster {self.name} did not come back on port {self.port}")
            time.sleep(0.2)

    def __enter__(self) -> OwnPostgres:
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        _run(_as_root(["pg_dropcluster", "--stop", self.version, self.name]))


@dataclass
class Database:
    """One pipeline's database: the owner's URL (migrations, operator commands, tampering,
    rebuilds) and, on PostgreSQL, each service's URL (its own role)."""

    owner_url: str
    role_urls: dict[str, str] = field(default_factory=dict)
    """PostgreSQL: service -> URL of its role. Empty on SQLite, which has no roles."""
    admin_url: str | None = None
    """PostgreSQL: the URL it was created from, to drop it and to copy it."""

    def url(self, service: str | None = None) -> str:
        """The URL ``service`` (ingest, scorer, report) runs with; the owner's for None."""
        if service is None or not self.role_urls:
            return self.owner_url
        return self.role_urls[service]

    @property
    def name(self) -> str:
        return make_url(self.owner_url).database

    @property
    def backend(self) -> str:
        return make_url(self.owner_url).get_backend_name()


def fresh_database(admin_url: str | None, directory: Path) -> Database:
    """A new, empty database: on the PostgreSQL server of ``admin_url`` (a role that may
    create databases), or a SQLite file under ``directory`` when it is None."""
    if admin_url is None:
        directory.mkdir(parents=True, exist_ok=True)
        return Database(f"sqlite:///{directory / f'chaos-{uuid.uuid4().hex[:8]}.db'}")
    name = f"chaos_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _on(make_url(admin_url).set(database=name).render_as_string(hide_password=False), admin_url)


def service_urls(owner_url: str) -> dict[str, str]:
    """Each service's URL to the database of ``owner_url``: its role, its password."""
    return {service: as_role(owner_url, role) for service, role in SERVICE_ROLES.items()}


def _on(owner_url: str, admin_url: str) -> Database:
    return Database(owner_url, service_urls(owner_url), admin_url)


def copy_database(db: Database, directory: Path) -> Database:
    """A copy of ``db`` (nobody may be connected to a PostgreSQL original meanwhile)."""
    if db.admin_url is None:
        import sqlite3

        target = directory / f"copy-{uuid.uuid4().hex[:8]}.db"
        private_sqlite_file(str(target))  # a copy of the ledger is as private as the ledger
        source_conn = sqlite3.connect(make_url(db.owner_url).database)
        target_conn = sqlite3.connect(target)
        source_conn.backup(target_conn)  # consistent even with a WAL beside the file
        source_conn.close()
        target_conn.close()
        return Database(f"sqlite:///{target}")
    name = f"chaos_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{db.name}"'))
    admin.dispose()
    return _on(make_url(db.owner_url).set(database=name).render_as_string(hide_password=False), db.admin_url)


def drop_database(db: Database) -> None:
    """Remove a database made by fresh_database or copy_database."""
    if db.admin_url is None:
        path = Path(make_url(db.owner_url).database)
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            p.unlink(missing_ok=True)
        return
    drop_pg_database(db.admin_url, db.name)
