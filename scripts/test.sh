#!/usr/bin/env bash
# The whole check, as CI runs it: install, start PostgreSQL, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=dev bash scripts/setup.sh
# The REST tests also run against PostgreSQL as the catalog.
if url_line="$(bash scripts/start-postgres.sh)"; then
  eval "$url_line"
else
  echo "test: PostgreSQL could not be started; its tests will be skipped" >&2
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
# Separate commands: under `set -e` a failure on the left of `&&` would not stop the script.
ruff check .
ruff format --check .
echo "== mypy"; mypy
echo "== pytest"
set +e
python -m pytest -q -p no:cacheprovider --durations=15 "$@"
status=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure of the suite, not a pass.
exit "$status"
