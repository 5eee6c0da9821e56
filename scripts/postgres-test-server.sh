#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's package) for the store tests and prints its URL.
# Best effort: prints nothing when it cannot (not root, no apt), and the PostgreSQL tests skip.
set -u
{
  if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || exit 0
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  fi
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || exit 0
  ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
  pg_ctlcluster "$ver" main start 2>/dev/null || true
  for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
  su postgres -c "psql -qc \"DO \\\$\\\$BEGIN CREATE ROLE onrecord LOGIN SUPERUSER PASSWORD 'onrecord'; EXCEPTION WHEN duplicate_object THEN NULL; END\\\$\\\$;\"" \
    && su postgres -c "dropdb --if-exists onrecord_test && createdb -O onrecord onrecord_test"
} >&2 || exit 0
pg_isready -q -h 127.0.0.1 && echo "postgresql+psycopg://onrecord:onrecord@127.0.0.1/onrecord_test"
