#!/usr/bin/env bash
# Starts or stops a throwaway Redis server for tests and CI (Debian package `redis-server`).
#   redis.sh start DIR PORT   → prints the Redis URL once it answers PING
#   redis.sh stop DIR         → stops the server started in DIR (by its PID file)
# Binds 127.0.0.1 only; no persistence (no RDB snapshots, no AOF); log and PID file in DIR.
set -euo pipefail
cmd=${1:?usage: redis.sh start DIR PORT | stop DIR}
dir=${2:?missing DIR}
case "$cmd" in
  start)
    port=${3:?missing PORT}
    if ! command -v redis-server >/dev/null 2>&1; then
      echo "redis-server is not installed (apt-get install redis-server)" >&2
      exit 3
    fi
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'PING\r\n' >&3 && head -n 1 <&3 | grep -q PONG) 2>/dev/null; then
        echo "redis://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.05
    done
    echo "redis did not answer PING on port $port; log: $dir/redis.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/redis.pid" ]]; then
      pid=$(cat "$dir/redis.pid")
      kill "$pid" 2>/dev/null || true
      # Wait for it to exit so a test run leaves nothing behind.
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/redis.pid"
    fi
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
