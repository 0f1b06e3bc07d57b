#!/usr/bin/env bash
# Runs a command with the local Kafka broker and PostgreSQL up, then stops whichever of
# them this script started (a developer's own `make up` stays up).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
started=()
cleanup() {
  for s in "${started[@]}"; do "$here/$s.sh" down || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! "$here/kafka.sh" status >/dev/null 2>&1; then
  "$here/kafka.sh" up || exit 1
  started+=(kafka)
fi
if ! pg_isready -q -h 127.0.0.1 -p "${PGPORT:-5432}" 2>/dev/null; then
  "$here/postgres.sh" up || exit 1
  started+=(postgres)
else
  "$here/postgres.sh" up >/dev/null || exit 1   # roles and database exist
fi
"$@"
