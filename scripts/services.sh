#!/usr/bin/env bash
# Sourced by test.sh and bench.sh: start a throwaway PostgreSQL and Redis of our own on free ports
# and stop them on exit. Installs Debian's postgresql, redis-server and chromium when missing.
# Sets DATABASE_URL, REDIS_URL and run_dir.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

find_pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  command -v initdb >/dev/null && command -v pg_ctl >/dev/null && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

missing=()
find_pg_bin >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || [ -x /usr/bin/chromium ] || missing+=(chromium)
if ((${#missing[@]})); then
  echo "Installing from Debian's packages: ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing[*]} fonts-dejavu-core >/dev/null"; then
    echo "Could not install ${missing[*]}: install them (apt-get install ${missing[*]}) and run make test again." >&2
    exit 1
  fi
fi
PG_BIN=$(find_pg_bin)

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

run_dir=$(mktemp -d /tmp/tuliaison-test.XXXXXX)
chmod 755 "$run_dir"
pg_port=$(free_port)
redis_port=$(free_port)
pg_user=$(id -un)
pg_as=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root: run it as the postgres system user.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  pg_user=postgres
  pg_as=(runuser -u postgres --)
fi
mkdir -p "$run_dir/pg"
chown "$pg_user" "$run_dir/pg"

stop_services() {
  "${pg_as[@]}" "$PG_BIN/pg_ctl" -D "$run_dir/pg/data" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$run_dir/redis.pid" ] && kill "$(cat "$run_dir/redis.pid")" 2>/dev/null || true
  rm -rf "$run_dir"
}
trap stop_services EXIT

"${pg_as[@]}" "$PG_BIN/initdb" -D "$run_dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$run_dir/initdb.log" 2>&1 \
  || { cat "$run_dir/initdb.log" >&2; exit 1; }
"${pg_as[@]}" "$PG_BIN/pg_ctl" -D "$run_dir/pg/data" -l "$run_dir/pg/server.log" -w -t 60 \
  -o "-p $pg_port -k $run_dir/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
  || { cat "$run_dir/pg/server.log" >&2; exit 1; }
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --pidfile "$run_dir/redis.pid" --logfile "$run_dir/redis.log" --dir "$run_dir"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export REDIS_URL="redis://127.0.0.1:${redis_port}"
export PG_PORT="$pg_port"
