#!/usr/bin/env bash
# `make restore FILE=backups/<file>.dump`: replace the database's contents with a backup made
# by `make backup`, in one transaction (on any error nothing changes). Against DATABASE_URL
# when it is set, otherwise the docker compose stack's postgres service. Asks first unless YES=1.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-}
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "Name the backup to restore: make restore FILE=backups/tuliaison-<time>.dump" >&2
  exit 2
fi
pg_restore --list "$file" >/dev/null 2>&1 || { echo "$file is not a backup made by make backup." >&2; exit 2; }
target=${DATABASE_URL:+the database at DATABASE_URL}
target=${target:-the docker compose database}
if [ "${YES:-}" != 1 ]; then
  read -r -p "This replaces everything in $target with $file. Type yes to go on: " answer
  [ "$answer" = yes ] || { echo "Nothing restored."; exit 1; }
fi
args=(--clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error)
if [ -n "${DATABASE_URL:-}" ]; then
  pg_restore "${args[@]}" --dbname="$DATABASE_URL" "$file"
else
  docker compose exec -T postgres pg_restore "${args[@]}" -U tuliaison -d tuliaison <"$file"
fi
echo "Restored $file into $target."
