"""Engines and schema migrations for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration; a unit test holds it to Alembic's own answer (head_revision).
HEAD_REVISION = "0016"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (SQLAlchemy would pick psycopg2)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def private_sqlite_file(database: str) -> None:
    """Create the SQLite file ``database`` readable and writable by its owner only (0600),
    before SQLite creates it with the umask's mode (0644 usually): the ledger, the key
    registry and the dead letters are nobody else's to read. SQLite gives its -wal and
    -shm files the database file's mode. A file of ours that is wider is narrowed."""
    path = Path(database)
    # A new data dir is private too (0700); an existing one is left as its owner set it.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        mode = path.stat().st_mode
        if stat.S_IMODE(mode) & 0o077 and path.stat().st_uid == os.geteuid():
            path.chmod(stat.S_IMODE(mode) & 0o700)


def _sqlite_file(url: str) -> str | None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" \
            and not u.database.startswith("file:"):
        return u.database
    return None


def make_engine(url: str, connections: int | None = None) -> Engine:
    """An engine with the settings each backend needs for concurrent workers; on
    PostgreSQL, ``connections``: a pool that keeps that many open, for a server answering
    that many requests at once (beyond its pool a connection is opened and closed again
    for each use, which costs more than the query it serves); None: SQLAlchemy's 5."""
    url = normalise_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if _sqlite_file(url):
            private_sqlite_file(u.database)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets a reader (status, report) run beside the writing worker;
            # NORMAL keeps every committed transaction across a process crash.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    pool = {} if connections is None else {"pool_size": connections, "max_overflow": connections}
    return create_engine(url, pool_pre_ping=True, **pool)


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at this package's migrations."""
    from alembic.config import Config  # Alembic loads only when a schema is checked or migrated

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Create or upgrade the schema to the newest migration."""
    from alembic import command

    database = _sqlite_file(normalise_url(url))
    if database:
        private_sqlite_file(database)
    command.upgrade(alembic_config(url), "head")


def schema_is_current(url: str) -> bool:
    """Whether the database is at the newest migration (False when it cannot tell: no
    schema yet, or a role not allowed to read alembic_version). Read without Alembic,
    whose import costs a command that only reads more than its query."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except (ProgrammingError, OperationalError):
        return False  # no table yet (OperationalError on SQLite), or not readable by this role
    finally:
        engine.dispose()
    return current == {HEAD_REVISION}


class NoDatabase(Exception):
    """A command that only reads was pointed at no Tiến độ database: a SQLite file that is
    not there or not a database, or a database without the schema."""


def _where(url: str) -> str:
    """The database of ``url`` as an operator names it: the SQLite file, or the URL without its password."""
    return _sqlite_file(normalise_url(url)) or make_url(url).render_as_string(hide_password=True)


def open_existing(url: str, migrate_url: str | None = None) -> Engine:
    """An engine on the database at ``url`` only if it exists and holds the schema (then
    migrated to the newest, as ``ensure_schema`` does, when it is older); NoDatabase
    otherwise. Commands that only read open their database this way: a mistyped SQLite
    path must be an error, not a new, empty database that reports nothing to see.

    The file is looked for before the engine is made, because SQLite (and make_engine,
    which makes it private first) creates a database file that does not exist."""
    database = _sqlite_file(normalise_url(url))
    if database and not Path(database).is_file():
        raise NoDatabase(f"no database at {database}")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            has_schema = inspect(conn).has_table("alembic_version")
    except DatabaseError as exc:
        engine.dispose()
        if database and not isinstance(exc, OperationalError):
            raise NoDatabase(f"{database} is not a SQLite database ({exc.orig})") from None
        raise  # PostgreSQL unreachable, a wrong password: the CLI says so as such
    if not has_schema:
        engine.dispose()
        raise NoDatabase(f"{_where(url)} holds no Tiến độ database (no schema)")
    if not schema_is_current(url):
        migrate(migrate_url or url)
    return engine


def head_revision() -> str:
    """The newest migration according to Alembic itself (what HEAD_REVISION must say)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def ensure_schema(url: str, migrate_url: str | None = None) -> None:
    """Migrate the database at ``url`` to the newest schema unless it is there already;
    as ``migrate_url`` (the schema owner) when given, so that ``url`` may name a role
    that cannot create tables."""
    if not schema_is_current(url):
        migrate(migrate_url or url)


def drop_database(admin_url: str, name: str, wait_s: float = 60.0) -> None:
    """Drop the PostgreSQL database ``name`` (a test's, a benchmark's, a chaos run's).

    First wait, up to ``wait_s``, until no other session is in it: FORCE may only end the
    sessions of roles ``admin_url``'s role belongs to, not a service role's lingering a
    moment after its process has gone, nor an autovacuum worker tidying up a large
    ingest; those make DROP DATABASE fail with InsufficientPrivilege."""
    import time

    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            others = text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()")
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and conn.execute(others, {"name": name}).scalar_one():
                time.sleep(0.2)
            try:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except ProgrammingError as exc:
                # Name who is still in it: the one thing needed to find the session left open.
                who = conn.execute(text(
                    "SELECT usename, backend_type, application_name, state, left(query, 80) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all()
                raise RuntimeError(f"cannot drop database {name}: still in it after {wait_s:g} s: "
                                   f"{[tuple(row) for row in who]}") from exc
    finally:
        admin.dispose()
