#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the integration tests (CI and local).
# Prints the admin connection URL on stdout. Idempotent: reuses a running server.
set -euo pipefail
PGPORT="${BOIG_TEST_PGPORT:-55432}"
PGDIR="${BOIG_TEST_PGDIR:-/tmp/boig-test-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$BIN/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! as_pg "$BIN/pg_ctl" -D "$PGDIR" status >/dev/null 2>&1; then
  if [ ! -f "$PGDIR/PG_VERSION" ]; then
    mkdir -p "$PGDIR"; [ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
    as_pg "$BIN/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  as_pg "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PGPORT/postgres"
