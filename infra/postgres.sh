#!/usr/bin/env bash
# Starts and stops Debian's PostgreSQL on 127.0.0.1:5432 with the project's roles and
# database. Installs the package when it is missing (needs root or sudo).
#   tiendo        owner of the schema (runs migrations)
#   tiendo_worker what workers may use: INSERT and SELECT on the ledger, never UPDATE/DELETE
set -euo pipefail
port=${PGPORT:-5432}
db=${TIENDO_PG_DB:-tiendo}
password=${TIENDO_PG_PASSWORD:-tiendo}

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
  psql_admin "-d postgres" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo') THEN
    CREATE ROLE tiendo LOGIN CREATEDB PASSWORD '$password';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tiendo_worker') THEN
    CREATE ROLE tiendo_worker LOGIN PASSWORD '$password';
  END IF;
END \$\$;
SQL
  if [ -z "$(psql_admin "-d postgres -c \"SELECT 1 FROM pg_database WHERE datname = '$db'\"")" ]; then
    psql_admin "-d postgres -c 'CREATE DATABASE $db OWNER tiendo'"
  fi
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
