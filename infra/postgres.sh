#!/usr/bin/env bash
# Starts and stops Debian's PostgreSQL on 127.0.0.1:5432 with the project's roles and
# database. Installs the package when it is missing (needs root or sudo).
#   tiendo         owner of the schema: runs migrations, writes keys, operator commands
#   tiendo_ingest  the ingest worker    } each granted only what its service does
#   tiendo_scorer  the scorer worker    } (migration 0007): none may change the ledger,
#   tiendo_report  the report worker    } write keys or move another one's offsets
# Passwords are random, generated on the first `up` into a 0600 file under the data dir
# (infra/pg-passwords.sh); every `up` sets the roles' passwords to the file's, stored as
# SCRAM-SHA-256. The retired role tiendo_worker is removed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=${PGPORT:-5432}
db=${TIENDO_PG_DB:-tiendo}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install() {
  if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
    echo "postgres: installing Debian's postgresql package…"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
}

cluster() { pg_lsclusters -h | awk -v p="$port" '$3 == p {print $1, $2; exit}'; }

psql_admin() { as_root su postgres -c "psql -v ON_ERROR_STOP=1 -qAt -p $port $*"; }

password_of() { grep "^$1=" "$passwords" | head -n 1 | cut -d= -f2-; }

# Creates the roles or brings them to what they must be (attributes and the file's password).
roles() {
  passwords=$("$here/pg-passwords.sh")
  # Passwords go through psql's standard input, never its command line (visible in ps).
  psql_admin "-d postgres" <<SQL
SET password_encryption = 'scram-sha-256';
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo') THEN CREATE ROLE tiendo; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo_ingest') THEN CREATE ROLE tiendo_ingest; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo_scorer') THEN CREATE ROLE tiendo_scorer; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo_report') THEN CREATE ROLE tiendo_report; END IF;
END \$\$;
ALTER ROLE tiendo LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$(password_of TIENDO_PG_OWNER_PASSWORD)';
ALTER ROLE tiendo_ingest LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$(password_of TIENDO_PG_INGEST_PASSWORD)';
ALTER ROLE tiendo_scorer LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$(password_of TIENDO_PG_SCORER_PASSWORD)';
ALTER ROLE tiendo_report LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$(password_of TIENDO_PG_REPORT_PASSWORD)';
SQL
  local weak
  weak=$(psql_admin "-d postgres -c \"SELECT string_agg(rolname, ' ') FROM pg_authid WHERE rolname LIKE 'tiendo%' AND rolpassword NOT LIKE 'SCRAM-SHA-256_%'\"")
  [ -z "$weak" ] || { echo "postgres: not stored as SCRAM-SHA-256: $weak" >&2; exit 1; }
}

# tiendo_worker (migration 0004) could do what no single service needs: gone. Its grants
# live in every database, so they are dropped in each before the role itself.
retire_worker_role() {
  [ -n "$(psql_admin "-d postgres -c \"SELECT 1 FROM pg_roles WHERE rolname = 'tiendo_worker'\"")" ] || return 0
  for d in $(psql_admin "-d postgres -c \"SELECT datname FROM pg_database WHERE datallowconn\""); do
    psql_admin "-d $d -c 'DROP OWNED BY tiendo_worker'" 2>/dev/null || true  # a test database may vanish meanwhile
  done
  psql_admin "-d postgres -c 'DROP ROLE IF EXISTS tiendo_worker'" ||
    echo "postgres: tiendo_worker still has privileges somewhere; it will be removed by a later up" >&2
}

# Passwords protect nothing if pg_hba.conf trusts local TCP connections: say so.
check_hba() {
  local lax
  lax=$(psql_admin "-d postgres -c \"SELECT string_agg(DISTINCT auth_method, ' ') FROM pg_hba_file_rules WHERE type LIKE 'host%' AND auth_method <> 'scram-sha-256' AND auth_method <> 'reject' AND (address IS NULL OR address IN ('all', '127.0.0.1', '::1', '0.0.0.0', '::'))\"")
  [ -z "$lax" ] || echo "postgres: warning: pg_hba.conf lets TCP connections in with $lax, not scram-sha-256" >&2
}

up() {
  install
  read -r version name < <(cluster) || { echo "postgres: no cluster on port $port" >&2; exit 1; }
  if ! pg_lsclusters -h | awk -v p="$port" '$3 == p {print $4}' | grep -q online; then
    as_root pg_ctlcluster "$version" "$name" start
  fi
  for _ in $(seq 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "postgres: not ready" >&2; exit 1; }
  roles
  if [ -z "$(psql_admin "-d postgres -c \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" ]; then
    psql_admin "-d postgres -c 'CREATE DATABASE $db OWNER tiendo'"
  fi
  retire_worker_role
  check_hba
  echo "postgres: running on 127.0.0.1:$port (postgresql+psycopg://tiendo:***@127.0.0.1:$port/$db)"
}

down() {
  command -v pg_lsclusters >/dev/null || return 0
  if read -r version name < <(cluster); then
    if pg_lsclusters -h | awk -v p="$port" '$3 == p {print $4}' | grep -q online; then
      as_root pg_ctlcluster "$version" "$name" stop
      echo "postgres: stopped"
    fi
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
