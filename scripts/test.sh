#!/usr/bin/env bash
# `make test`: start a throwaway PostgreSQL and Redis of our own, run pytest against them, stop
# them whatever happens. Installs Debian's postgresql, redis-server and chromium when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/services.sh
source scripts/services.sh

export DJANGO_SETTINGS_MODULE=tuliaison.settings.test
"${pg_as[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres tuliaison
export DATABASE_URL="postgres://postgres@127.0.0.1:${pg_port}/tuliaison"
export TULIAISON_TEST_REDIS_PIDFILE="$run_dir/redis.pid"
# For the tests that restart PostgreSQL mid-send: pg_ctl, as the user the server runs as.
export TULIAISON_TEST_PG_CTL="${pg_as[*]} $PG_BIN/pg_ctl -D $run_dir/pg/data -l $run_dir/pg/server.log"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

echo "PostgreSQL on 127.0.0.1:${pg_port}, Redis on 127.0.0.1:${redis_port}"
if [ -z "${QUICK:-}" ]; then  # QUICK=1 skips the lint, type and migration checks while iterating
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  # django-stubs loads the settings but opens no database: SQLite needs no server.
  DATABASE_URL="sqlite:///$run_dir/mypy.sqlite3" .venv/bin/mypy
  .venv/bin/python manage.py makemigrations --check --dry-run >/dev/null \
    || { echo "Models have changes with no migration: run manage.py makemigrations." >&2; exit 1; }
  .venv/bin/python manage.py check --fail-level WARNING
fi
.venv/bin/python -m pytest "$@"
