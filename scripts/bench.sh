#!/usr/bin/env bash
# `make bench`: run the bench/ scripts, each against a fresh database in a throwaway PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/services.sh
source scripts/services.sh

export DJANGO_SETTINGS_MODULE=tuliaison.settings.test
export CONN_MAX_AGE=60  # as in production
[ $# -gt 0 ] || set -- bench/*.py
# bench/public_pages.py loads the server with wrk, from Debian's packages.
if [[ " $* " == *public_pages* ]] && ! command -v wrk >/dev/null; then
  echo "Installing from Debian's packages: wrk"
  as_root env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null" \
    || { echo "Could not install wrk: install it (apt-get install wrk) and run make bench again." >&2; exit 1; }
fi
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
