#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster on loopback and makes a role and database
# for the tests; prints the SQLAlchemy URL. Idempotent.
#   eval "$(deploy/dev/postgres.sh)"   # exports PANTAU_TEST_POSTGRES_URL
set -euo pipefail
ver="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if [[ -z "$ver" ]]; then
  echo "PostgreSQL is not installed: apt-get install postgresql" >&2; exit 1
fi
as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"' | grep -q .; then
  as_pg true 2>/dev/null || true
  ${SUDO:-} pg_createcluster "$ver" main >/dev/null
fi
port="$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
  if [[ "$(id -u)" == 0 ]]; then pg_ctlcluster "$ver" main start; else sudo pg_ctlcluster "$ver" main start; fi
fi
for _ in $(seq 1 50); do
  as_pg psql -p "$port" -qAtc 'select 1' >/dev/null 2>&1 && break
  sleep 0.2
done
as_pg psql -p "$port" -qAtc "select 1 from pg_roles where rolname='pantau'" | grep -q 1 \
  || as_pg psql -p "$port" -qc "create role pantau login superuser password 'pantau'" >/dev/null
as_pg psql -p "$port" -qAtc "select 1 from pg_database where datname='pantau_test'" | grep -q 1 \
  || as_pg createdb -p "$port" -O pantau pantau_test
echo "export PANTAU_TEST_POSTGRES_URL=postgresql+asyncpg://pantau:pantau@127.0.0.1:${port}/pantau_test"
