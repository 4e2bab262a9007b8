#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster on loopback and makes a role and database
# for the tests; prints the SQLAlchemy URL. Idempotent.
#   eval "$(deploy/dev/postgres.sh)"   # exports PANTAU_TEST_POSTGRES_URL
# Only the export line goes to stdout, since the caller evaluates it: all that
# the PostgreSQL tools print (pg_ctlcluster's "Removed stale pid file.", say)
# goes to stderr, and the server never holds the caller's pipe open.
set -euo pipefail
ver="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)"
if [[ -z "$ver" ]]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1
fi
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
as_root() { if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi; }
cluster_field() { pg_lsclusters -h | awk -v v="$ver" -v f="$1" '$1==v && $2=="main" {print $f}'; }

start_cluster() {
  if [[ -z "$(cluster_field 2)" ]]; then
    as_root pg_createcluster "$ver" main
  fi
  port="$(cluster_field 3)"
  if [[ "$(cluster_field 4)" != *online* ]]; then
    as_root pg_ctlcluster "$ver" main start
  fi
  for _ in $(seq 1 50); do
    as_pg psql -p "$port" -qAtc 'select 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  as_pg psql -p "$port" -qAtc "select 1 from pg_roles where rolname='pantau'" | grep -q 1 \
    || as_pg psql -p "$port" -qc "create role pantau login superuser password 'pantau'"
  as_pg psql -p "$port" -qAtc "select 1 from pg_database where datname='pantau_test'" | grep -q 1 \
    || as_pg createdb -p "$port" -O pantau pantau_test
}

start_cluster </dev/null >&2
echo "export PANTAU_TEST_POSTGRES_URL=postgresql+asyncpg://pantau:pantau@127.0.0.1:$(cluster_field 3)/pantau_test"
