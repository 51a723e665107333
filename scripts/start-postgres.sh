#!/usr/bin/env bash
# Start Debian's PostgreSQL on loopback for tests and local use; prints the catalog URL.
#
#   eval "$(scripts/start-postgres.sh)"   # exports ASSISTANT_TEST_DATABASE_URL
#
# Idempotent: a second run finds the server running and only prints the URL. The role may
# create databases, so the tests make a fresh database per session and drop it afterwards.
# Settings: PG_PORT (54329), PG_DATA (/tmp/assistant-postgres), PG_USER / PG_PASSWORD / PG_DB (assistant).
set -euo pipefail

PG_PORT="${PG_PORT:-54329}"
PG_DATA="${PG_DATA:-/tmp/assistant-postgres}"
PG_USER="${PG_USER:-assistant}"
PG_PASSWORD="${PG_PASSWORD:-assistant}"
PG_DB="${PG_DB:-assistant}"

bindir="${PG_BINDIR:-}"
if [[ -z "$bindir" ]]; then
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "start-postgres: PostgreSQL is not installed; run: apt-get install -y postgresql" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: run its tools as the 'postgres' system user then.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  as_owner=(runuser -u postgres --)
fi

if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
  mkdir -p "$PG_DATA"
  [[ $(id -u) -eq 0 ]] && chown postgres:postgres "$PG_DATA"
  chmod 700 "$PG_DATA"
  "${as_owner[@]}" "$bindir/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  # Loopback only, socket in the data directory (no need for /var/run/postgresql), fsync off: test data.
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
fi

psql=("${as_owner[@]}" "$bindir/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" ]]; then
  "${psql[@]}" -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [[ -z "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]]; then
  "${psql[@]}" -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
fi

url="postgresql+psycopg2://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
echo "start-postgres: running on 127.0.0.1:$PG_PORT (data in $PG_DATA)" >&2
echo "export ASSISTANT_TEST_DATABASE_URL=$url"
