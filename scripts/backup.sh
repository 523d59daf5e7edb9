#!/usr/bin/env bash
# `make backup`: a pg_dump of the database in PostgreSQL's custom format, written to
# backups/tuliaison-<UTC time>.dump (or BACKUP_FILE). Against DATABASE_URL when it is set,
# otherwise the docker compose stack's postgres service. The file holds members' personal data:
# it is readable by its owner only; keep it somewhere as safe as the database.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
out=${BACKUP_FILE:-backups/tuliaison-$(date -u +%Y%m%d-%H%M%S).dump}
mkdir -p "$(dirname "$out")"
tmp="$out.partial"
trap 'rm -f "$tmp"' EXIT
if [ -n "${DATABASE_URL:-}" ]; then
  pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$tmp"
else
  docker compose exec -T postgres pg_dump --format=custom --no-owner --no-privileges \
    -U tuliaison tuliaison >"$tmp"
fi
# Only a complete dump takes the final name: a failed one leaves nothing that looks like a backup.
pg_restore --list "$tmp" >/dev/null
mv "$tmp" "$out"
echo "Backed up to $out ($(du -h "$out" | cut -f1))."
