#!/bin/sh
# Run once by the postgres image when the primary's data directory is created (docker-entrypoint-initdb.d): a role
# that may stream the write-ahead log, and the line of pg_hba.conf that lets the replica connect as it.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
