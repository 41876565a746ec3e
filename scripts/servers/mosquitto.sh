#!/usr/bin/env bash
# Starts or stops a throwaway Mosquitto broker for tests and CI (Debian package `mosquitto`).
#   mosquitto.sh start DIR PORT   → prints the broker URL once it accepts connections
#   mosquitto.sh stop DIR         → stops the broker started in DIR (by its PID file)
# Binds 127.0.0.1 only; no persistence; max_queued_messages 0 because the default (1000) silently
# drops QoS 0 messages to slow subscribers, which would hide loss in load tests.
set -euo pipefail
cmd=${1:?usage: mosquitto.sh start DIR PORT | stop DIR}
dir=${2:?missing DIR}
case "$cmd" in
  start)
    port=${3:?missing PORT}
    if ! command -v mosquitto >/dev/null 2>&1 && [[ ! -x /usr/sbin/mosquitto ]]; then
      echo "mosquitto is not installed (apt-get install mosquitto mosquitto-clients)" >&2
      exit 3
    fi
    bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    mkdir -p "$dir"
    cat >"$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
pid_file $dir/mosquitto.pid
log_dest file $dir/mosquitto.log
user $(id -un)
CONF
    "$bin" -c "$dir/mosquitto.conf" -d
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "mqtt://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.05
    done
    echo "mosquitto did not accept connections on port $port; log: $dir/mosquitto.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$dir/mosquitto.pid" ]]; then
      pid=$(cat "$dir/mosquitto.pid")
      kill "$pid" 2>/dev/null || true
      # Wait for it to exit so a test run leaves nothing behind.
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      rm -f "$dir/mosquitto.pid"
    fi
    ;;
  *)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
