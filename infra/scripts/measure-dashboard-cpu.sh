#!/usr/bin/env bash
# Measures the silo's CPU use while idle over a window (default 60 s) in three cases:
#   1. dashboard disabled, 2. dashboard enabled but nobody viewing it, 3. dashboard open in
#   headless Chromium (the page polls the silo every second).
# CPU = utime+stime ticks of the silo process from /proc/PID/stat, before and after the window.
# Usage: infra/scripts/measure-dashboard-cpu.sh [seconds]   (needs a Release build and chromium)
set -euo pipefail
cd "$(dirname "$0")/../.."
window=${1:-60}
dll=silo/bin/Release/net10.0/vault-silo.dll
hz=$(getconf CLK_TCK)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() {
    local name=$1 enabled=$2 browse=$3 port=$4
    VAULT_PASSWORD=measure dotnet "$dll" --data-dir "$work/$name" --node-id "$name" --http-port "$port" --grpc-port $((port + 1)) \
        --silo-port $((port + 2)) --gateway-port $((port + 3)) --Vault:Dashboard:Enabled="$enabled" >"$work/$name.log" 2>&1 &
    local pid=$!
    local deadline=$((SECONDS + 60))
    until curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null; do
        [ $SECONDS -lt $deadline ] || { echo "silo $name not ready within 60 s" >&2; exit 1; }
        sleep 0.2
    done
    sleep 10 # let start-up work (JIT, first activations) settle before the window
    local browser=""
    if [ "$browse" = yes ]; then
        mkdir -p "$work/profile-$name"
        chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking --disable-component-update \
            --disable-sync --user-data-dir="$work/profile-$name" --remote-debugging-port=0 "http://127.0.0.1:$port/dashboard/" >/dev/null 2>&1 &
        browser=$!
        sleep 5
    fi
    local t0; t0=$(ticks "$pid")
    sleep "$window"
    local t1; t1=$(ticks "$pid")
    [ -z "$browser" ] || kill "$browser"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    awk -v n="$name" -v d=$((t1 - t0)) -v hz="$hz" -v w="$window" \
        'BEGIN { printf "%-22s %6.2f s CPU in %d s = %5.2f%% of one core\n", n, d / hz, w, 100 * d / hz / w }'
}

echo "silo CPU over ${window} s, idle cluster of one node ($(nproc) cores)"
measure dashboard-off false no 23100
measure dashboard-on-unviewed true no 23110
measure dashboard-on-viewed true yes 23120
