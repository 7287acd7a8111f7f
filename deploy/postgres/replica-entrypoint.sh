#!/bin/sh
# The streaming replica: on its first start it copies the primary (pg_basebackup, with -R writing the standby
# settings), then runs as a hot standby that replays the primary's log. Reads only; the portal sends it the public
# pages, the public API and the exports (quota_registry/replica.py).
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h postgres -U replicator -d postgres; do sleep 1; done
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -P
    chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c max_standby_streaming_delay=30s
