#!/usr/bin/env bash
# Applies infra/sql/postgresql-schema.sql to the cluster database (idempotent; safe to rerun
# and safe while silos run). Takes the same advisory lock as `vault-silo --apply-schema`.
#
#   infra/scripts/apply-schema.sh "postgresql://vault@db.example:5432/vault"
#   PGPASSWORD=… infra/scripts/apply-schema.sh "host=db port=5432 dbname=vault user=vault"
#
# Needs psql (Debian: postgresql-client-15).
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 CONNINFO   (a libpq URI or key=value string; the password via PGPASSWORD or ~/.pgpass)" >&2
    exit 2
fi
schema="$(cd "$(dirname "$0")/../sql" && pwd)/postgresql-schema.sql"
psql "$1" --no-psqlrc --quiet -v ON_ERROR_STOP=1 --single-transaction <<SQL
SELECT pg_advisory_xact_lock(7406001);
\i $schema
SELECT 'vault schema version ' || version || ' applied' AS result FROM vault_schema WHERE component = 'vault';
SQL
