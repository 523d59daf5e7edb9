#!/usr/bin/env bash
# `make bench`: run the bench/ scripts against a throwaway PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/services.sh
source scripts/services.sh

export DJANGO_SETTINGS_MODULE=tuliaison.settings.test
"${pg_as[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres tuliaison_bench
export DATABASE_URL="postgres://postgres@127.0.0.1:${pg_port}/tuliaison_bench"
.venv/bin/python manage.py migrate --noinput -v0
[ $# -gt 0 ] || set -- bench/*.py
for script in "$@"; do
  [ -f "$script" ] || continue
  echo "== $script"
  .venv/bin/python "$script"
done
