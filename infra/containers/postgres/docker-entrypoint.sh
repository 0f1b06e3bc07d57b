#!/bin/bash
# The official postgres image's first start, as far as docker-compose.yml uses it: an empty
# data directory is initialised for POSTGRES_USER with POSTGRES_PASSWORD, POSTGRES_DB is
# created, the initdb.d scripts run against a server listening on its socket only, and then
# the server runs in the foreground, taking password (SCRAM) connections over TCP.
set -euo pipefail
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user=${POSTGRES_USER:-postgres} db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
  initdb --encoding=UTF8 --username="$user" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:?}") ${POSTGRES_INITDB_ARGS:-} >/dev/null
  printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.auto.conf"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  export PGUSER=$user PGHOST=/var/run/postgresql
  [ "$db" = postgres ] || psql -v ON_ERROR_STOP=1 -q -d postgres -c "CREATE DATABASE \"$db\""
  export POSTGRES_USER=$user POSTGRES_DB=$db
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "entrypoint: running $f"; bash "$f" ;;
      *.sql) echo "entrypoint: running $f"; psql -v ON_ERROR_STOP=1 -q -d "$db" -f "$f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGUSER PGHOST
  echo "entrypoint: PostgreSQL initialised"
fi
exec "$@"
