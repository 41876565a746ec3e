#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for tests and CI (Debian package `postgresql`).
#   postgres.sh start DIR PORT   → prints the connection URL once it accepts connections
#   postgres.sh stop DIR         → stops the server started in DIR (by its PID file)
# Binds 127.0.0.1 only, no Unix socket; trust authentication for the superuser `postgres`; data in
# DIR/data (kept across stop/start, so a restarted server has its data). fsync is off: a test
# server never outlives an OS crash, and it makes initdb and commits several times faster.
# PostgreSQL refuses to run as root: as root, DIR is chowned to `postgres` and the server runs as it.
set -euo pipefail
cmd=${1:?usage: postgres.sh start DIR PORT | stop DIR}
dir=${2:?missing DIR}
data="$dir/data"
as_owner=()
[[ $(id -u) -eq 0 ]] && as_owner=(runuser -u postgres --)
case "$cmd" in
  start)
    port=${3:?missing PORT}
    bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$bin" || ! -x "$bin/pg_ctl" ]]; then
      echo "postgresql is not installed (apt-get install postgresql)" >&2
      exit 3
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
      echo "running as root needs the user postgres (created by the postgresql package)" >&2
      exit 3
    fi
    mkdir -p "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    if [[ ! -f "$data/PG_VERSION" ]]; then
      "${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { echo "initdb failed; log: $dir/initdb.log" >&2; exit 1; }
    fi
    # -w: pg_ctl returns once the server accepts connections (or fails, leaving the log).
    "${as_owner[@]}" "$bin/pg_ctl" start -D "$data" -l "$dir/postgres.log" -w -t 30 -o \
      "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null || { echo "postgres did not start on port $port; log: $dir/postgres.log" >&2; exit 1; }
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "postgres://postgres@127.0.0.1:$port/postgres"
        exit 0
      fi
      sleep 0.05
    done
    echo "postgres did not accept connections on port $port; log: $dir/postgres.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$data/postmaster.pid" ]]; then
      pid=$(head -n 1 "$data/postmaster.pid")
      # SIGINT is PostgreSQL's fast shutdown: roll back open transactions, close sessions, exit.
      kill -INT "$pid" 2>/dev/null || true
      # Wait for it to exit so a test run leaves nothing behind.
      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    fi
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
