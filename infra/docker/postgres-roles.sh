#!/usr/bin/env bash
# docker-compose: creates the services' PostgreSQL roles when the postgres container
# initialises its data directory (/docker-entrypoint-initdb.d). The owner, tiendo, is the
# container's POSTGRES_USER; migration 0007 grants each service role what it needs. The
# passwords come from the environment (`docker compose --env-file data/pg-passwords.env`,
# the file `make up` generates) and are stored as SCRAM-SHA-256.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
SET password_encryption = 'scram-sha-256';
CREATE ROLE tiendo_ingest LOGIN PASSWORD '${TIENDO_PG_INGEST_PASSWORD:?}';
CREATE ROLE tiendo_scorer LOGIN PASSWORD '${TIENDO_PG_SCORER_PASSWORD:?}';
CREATE ROLE tiendo_report LOGIN PASSWORD '${TIENDO_PG_REPORT_PASSWORD:?}';
SQL
