#!/usr/bin/env bash
# A scratch PostgreSQL cluster for the platform's tests: start|stop|url.
# Debian's `postgresql` package (installed when missing), data in $PG_HOME (default .pg) of the
# checkout, listening on 127.0.0.1:$PG_PORT only (and a socket inside $PG_HOME). initdb refuses to
# run as root, so as root the cluster belongs to the `postgres` system user. Trust authentication:
# the cluster is a throwaway, reachable from this machine only.
set -euo pipefail
PG_PORT="${PG_PORT:-55432}"
PG_HOME="$(realpath -m "${PG_HOME:-.pg}")"
DATA="$PG_HOME/data"

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
  if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
    echo "installing Debian's postgresql (needed by the platform's tests)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  fi
  echo "$dir"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN="$(pg_bin)"
    mkdir -p "$PG_HOME"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_HOME"
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DATA" -U graphengine -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PG_HOME/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_HOME -c fsync=on -c max_connections=100" >/dev/null
    fi
    # a cluster that was already running keeps its port: print the one it listens on
    port="$(sed -n 4p "$DATA/postmaster.pid")"
    echo "postgresql+psycopg://graphengine@127.0.0.1:${port:-$PG_PORT}/postgres"
    ;;
  stop)
    if [ -f "$DATA/PG_VERSION" ]; then
      BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  url)
    echo "postgresql+psycopg://graphengine@127.0.0.1:$PG_PORT/postgres"
    ;;
  *)
    echo "usage: $0 start|stop|url   (PG_PORT=$PG_PORT, PG_HOME=$PG_HOME)" >&2
    exit 2
    ;;
esac
