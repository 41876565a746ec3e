#!/usr/bin/env bash
# Starts or stops a throwaway InfluxDB 1.x server for tests and CI (Debian package `influxdb`).
#   influxdb.sh start DIR PORT   → prints the HTTP URL once `/ping` answers
#   influxdb.sh stop DIR         → stops the server started in DIR (by its PID file)
# Binds 127.0.0.1 only (the RPC/backup port on a port the OS picks); no authentication; meta, data
# and WAL in DIR (kept across stop/start); no usage reporting and no `_internal` monitor database.
# Continuous queries are checked every second (the default), so tests can wait for their output.
set -euo pipefail
cmd=${1:?usage: influxdb.sh start DIR PORT | stop DIR}
dir=${2:?missing DIR}
case "$cmd" in
  start)
    port=${3:?missing PORT}
    if ! command -v influxd >/dev/null 2>&1; then
      echo "influxdb is not installed (apt-get install influxdb influxdb-client)" >&2
      exit 3
    fi
    mkdir -p "$dir"
    cat >"$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:0"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
[continuous_queries]
  enabled = true
  run-interval = "1s"
CONF
    influxd run -config "$dir/influxdb.conf" -pidfile "$dir/influxdb.pid" >"$dir/influxdb.log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 200); do
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /ping HTTP/1.0\r\n\r\n' >&3 && head -n 1 <&3 | grep -q ' 204 ') 2>/dev/null; then
        echo "http://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.05
    done
    echo "influxd did not answer /ping on port $port; log: $dir/influxdb.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/influxdb.pid" ]]; then
      pid=$(cat "$dir/influxdb.pid")
      kill "$pid" 2>/dev/null || true
      # Wait for it to exit so a test run leaves nothing behind.
      for _ in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/influxdb.pid"
    fi
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
