#!/usr/bin/env bash
# Installs and starts the real services the integration tests use: the Docker engine (no network:
# --bridge=none), a local mosquitto broker on 127.0.0.1:1883, Chromium, and InfluxDB 1.x (installed
# only: the tests start their own influxd). Idempotent: whatever is
# already installed or running is left alone. Needs root (apt-get, dockerd). See docs/docker.md.
set -euo pipefail

log() { printf '[setup-services] %s\n' "$*"; }
die() { printf '[setup-services] ERROR: %s\n' "$*" >&2; exit 1; }

MQTT_PORT=1883
DOCKERD_LOG=${DOCKERD_LOG:-/tmp/databox-dockerd.log}
MOSQUITTO_CONF=${MOSQUITTO_CONF:-/tmp/databox-mosquitto.conf}
MOSQUITTO_LOG=${MOSQUITTO_LOG:-/tmp/databox-mosquitto.log}
WAIT_SECONDS=${WAIT_SECONDS:-60}

# Debian puts dockerd and mosquitto in /usr/sbin, which a non-login shell may not have on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# --- 1. packages -------------------------------------------------------------------------------
missing=()
have dockerd || missing+=(docker.io)
have mosquitto || missing+=(mosquitto)
have chromium || missing+=(chromium)
# InfluxDB 1.x: the line-protocol conformance tests start their own influxd (not a service here)
have influxd || missing+=(influxdb)
if [ ${#missing[@]} -eq 0 ]; then
  log "packages present: dockerd, mosquitto, chromium, influxd (skipping apt-get)"
else
  log "installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update
  as_root apt-get install -y "${missing[@]}"
fi

# --- 2. Docker engine ----------------------------------------------------------------------------
if docker info >/dev/null 2>&1; then
  log "docker engine already answers (docker info ok)"
else
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd is running but not answering yet; waiting for it"
  else
    log "starting dockerd --bridge=none --iptables=false --ip-masq=false (log: $DOCKERD_LOG)"
    as_root setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false \
      >"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if docker info >/dev/null 2>&1; then break; fi
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    tail -n 30 "$DOCKERD_LOG" >&2 || true
    die "docker engine did not answer within ${WAIT_SECONDS}s (see $DOCKERD_LOG)"
  fi
  log "docker engine is up after ~${i}s"
fi
log "docker: $(docker version --format 'server {{.Server.Version}}, client {{.Client.Version}}' 2>/dev/null || echo '?')"

# --- 3. mosquitto ------------------------------------------------------------------------------
if port_open "$MQTT_PORT"; then
  log "something already listens on 127.0.0.1:$MQTT_PORT (assuming an MQTT broker)"
else
  log "writing $MOSQUITTO_CONF and starting mosquitto on 127.0.0.1:$MQTT_PORT (log: $MOSQUITTO_LOG)"
  cat >"$MOSQUITTO_CONF" <<CONF
# Written by scripts/setup-services.sh: a throwaway broker for tests, local only.
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
CONF
  setsid nohup mosquitto -c "$MOSQUITTO_CONF" >"$MOSQUITTO_LOG" 2>&1 </dev/null &
  for ((i = 0; i < WAIT_SECONDS; i++)); do
    if port_open "$MQTT_PORT"; then break; fi
    sleep 0.5
  done
  if ! port_open "$MQTT_PORT"; then
    tail -n 30 "$MOSQUITTO_LOG" >&2 || true
    die "mosquitto did not accept connections on 127.0.0.1:$MQTT_PORT (see $MOSQUITTO_LOG)"
  fi
  log "mosquitto accepts connections on 127.0.0.1:$MQTT_PORT"
fi

log "chromium: $(command -v chromium)"
log "done"
