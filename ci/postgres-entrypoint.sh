#!/bin/sh
# Entrypoint of the local test images samia/postgres:{15,17}-local (built by ci/docker-up.sh).
#
# Honours the part of the official postgres image's contract that testcontainers uses:
#   POSTGRES_USER      bootstrap superuser (default: postgres)
#   POSTGRES_PASSWORD  its password (required); host connections use scram-sha-256
#   POSTGRES_DB        database created at first start (default: $POSTGRES_USER)
#   PGDATA             data directory (default: /var/lib/postgresql/data)
# Extra arguments are passed to postgres (e.g. `-c log_statement=all`).
# Throwaway-test settings (as the embedded backend): fsync/full_page_writes/synchronous_commit off,
# max_locks_per_transaction 256; jit off (LLVM is stripped from the image).
set -eu

PG_BIN=/usr/lib/postgresql/${PG_MAJOR:-15}/bin
PGDATA=${PGDATA:-/var/lib/postgresql/data}
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
export PGDATA

as_postgres() {
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
}

if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "samia-entrypoint: POSTGRES_PASSWORD must be set" >&2
    exit 1
fi

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    chown postgres "$pwfile"
    as_postgres "$PG_BIN/initdb" --pgdata="$PGDATA" --username="$POSTGRES_USER" --pwfile="$pwfile" \
        --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --no-sync
    rm -f "$pwfile"
    # initdb only admits 127.0.0.1 and ::1; the published port arrives from the bridge gateway.
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$POSTGRES_DB" != "postgres" ]; then
        quoted=$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')
        # Single-user mode: no socket, no TCP, so nothing can connect before the server is ready.
        printf 'CREATE DATABASE "%s";\n\n' "$quoted" \
            | as_postgres "$PG_BIN/postgres" --single -D "$PGDATA" -j postgres > /dev/null
    fi
    echo "samia-entrypoint: initialised $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/postgres" -D "$PGDATA" \
    -c listen_addresses='*' -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c jit=off \
    -c max_locks_per_transaction=256 "$@"
