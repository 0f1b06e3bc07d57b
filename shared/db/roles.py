"""The PostgreSQL roles of Tiến độ and where their passwords are kept.

One role per service (ingest, scorer, report), each granted only what that service does
(migration 0007), and the owner `tiendo`, who migrates and administers. `make up`
(infra/pg-passwords.sh) generates the passwords into a 0600 file under the data dir,
in `KEY=value` form so that a shell, `docker compose --env-file` and this module all
read the same file. Nothing in the workers needs this module: they get a DATABASE_URL.
The test harness, chaos and bench use it to build each role's URL.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from shared.config import default_data_dir

OWNER = "tiendo"
SERVICE_ROLES = {"ingest": "tiendo_ingest", "scorer": "tiendo_scorer", "report": "tiendo_report"}
ROLES = (OWNER, *SERVICE_ROLES.values())
# The variable naming each role's password in the passwords file (and in docker-compose).
PASSWORD_VARIABLES = {
    OWNER: "TIENDO_PG_OWNER_PASSWORD",
    "tiendo_ingest": "TIENDO_PG_INGEST_PASSWORD",
    "tiendo_scorer": "TIENDO_PG_SCORER_PASSWORD",
    "tiendo_report": "TIENDO_PG_REPORT_PASSWORD",
}
LOCAL_SERVER = "127.0.0.1:5432"


class PasswordsMissing(RuntimeError):
    """The passwords file is absent or lacks a role (run `make up`)."""


def passwords_file(env: Mapping[str, str] = os.environ) -> Path:
    """TIENDO_PG_PASSWORDS, or `pg-passwords.env` in the data dir (TIENDO_DATA_DIR)."""
    configured = env.get("TIENDO_PG_PASSWORDS")
    return Path(configured) if configured else default_data_dir(env) / "pg-passwords.env"


def read_passwords(path: Path | None = None) -> dict[str, str]:
    """Every role's password from the passwords file, by role name."""
    path = path or passwords_file()
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise PasswordsMissing(f"no PostgreSQL passwords file at {path}: run `make up` "
                               "(infra/postgres.sh up generates it)") from None
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.lstrip().startswith("#"))
    found = {role: values[var].strip() for role, var in PASSWORD_VARIABLES.items() if values.get(var, "").strip()}
    missing = [role for role in ROLES if role not in found]
    if missing:
        raise PasswordsMissing(f"{path} has no password for {', '.join(missing)}: run `make up`")
    return found


def role_url(role: str, server: str = LOCAL_SERVER, database: str = "tiendo",
             passwords: Mapping[str, str] | None = None) -> str:
    """The psycopg URL of ``role`` on ``server`` (host:port), password from the file."""
    passwords = passwords if passwords is not None else read_passwords()
    return f"postgresql+psycopg://{role}:{passwords[role]}@{server}/{database}"


def as_role(url: str, role: str, passwords: Mapping[str, str] | None = None) -> str:
    """``url`` (same server and database) with ``role`` and its password instead."""
    passwords = passwords if passwords is not None else read_passwords()
    return make_url(url).set(username=role, password=passwords[role]).render_as_string(hide_password=False)
