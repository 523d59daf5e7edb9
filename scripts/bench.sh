#!/usr/bin/env bash
# `make bench`: run the bench/ scripts, each against a fresh database in a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/services.sh
source scripts/services.sh

export DJANGO_SETTINGS_MODULE=tuliaison.settings.test
export CONN_MAX_AGE=60  # as in production
[ $# -gt 0 ] || set -- bench/*.py
n=0
for script in "$@"; do
  [ -f "$script" ] && [ "$(basename "$script")" != common.py ] || continue
  n=$((n + 1))
  "${pg_as[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "tuliaison_bench_$n"
  export DATABASE_URL="postgres://postgres@127.0.0.1:${pg_port}/tuliaison_bench_$n"
  .venv/bin/python manage.py migrate --noinput -v0
  echo "== $script"
  .venv/bin/python -u "$script"
done
