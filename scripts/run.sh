#!/usr/bin/env bash
# `make run`: the whole app on one machine with no servers to install. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=tuliaison.settings.local
PORT=${PORT:-8000}
# Links in the emails it writes point at the port it serves.
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT}}
PY=.venv/bin/python

$PY manage.py migrate --noinput >/dev/null
$PY manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

mkdir -p var/log
.venv/bin/celery -A tuliaison worker --pool=solo --loglevel=INFO >var/log/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A tuliaison beat --schedule=var/celerybeat-schedule --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)

cat <<MSG

TU Liaison is starting on http://127.0.0.1:${PORT}/
  Celery worker and scheduler: logs in var/log/
  Mail sent by the app is written to var/mail/
  Stop everything with Ctrl-C.

MSG
$PY manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
