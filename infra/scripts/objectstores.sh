#!/usr/bin/env bash
# Local object stores for the off-site tests, on 127.0.0.1: s3rver (S3 REST over a directory) and
# Azurite (Microsoft's Azure Storage emulator, blob service), both from npm at pinned versions,
# installed under infra/objectstores/node_modules (git-ignored).
#
#   objectstores.sh install                    npm install of the pinned versions (idempotent)
#   objectstores.sh start s3|azure DIR PORT [BUCKET]
#                                              start one server on 127.0.0.1:PORT with its data under DIR
#                                              (s3: with BUCKET created); waits until it answers; prints its pid
#   objectstores.sh stop DIR                   stop the server started under DIR
#
# s3rver does not check SigV4 signatures and has no Object Lock; Azurite checks Shared Key signatures.
set -euo pipefail

S3RVER_VERSION=3.7.1
AZURITE_VERSION=3.37.0
HERE=$(cd "$(dirname "$0")/.." && pwd)/objectstores
die() { echo "objectstores.sh: $*" >&2; exit 1; }

install() {
    mkdir -p "$HERE"
    if [ -x "$HERE/node_modules/.bin/s3rver" ] && [ -x "$HERE/node_modules/.bin/azurite-blob" ] \
        && grep -q "\"version\": \"$S3RVER_VERSION\"" "$HERE/node_modules/s3rver/package.json" \
        && grep -q "\"version\": \"$AZURITE_VERSION\"" "$HERE/node_modules/azurite/package.json"; then
        return 0
    fi
    [ -f "$HERE/package.json" ] || echo '{ "name": "vault-objectstores", "private": true }' > "$HERE/package.json"
    (cd "$HERE" && npm install --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" "azurite@$AZURITE_VERSION" >/dev/null) \
        || die "npm install of s3rver@$S3RVER_VERSION and azurite@$AZURITE_VERSION failed"
}

answers() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

start() {
    local kind=$1 dir=$2 port=$3 bucket=${4:-}
    [ "$port" -lt 32768 ] || die "port $port is in the ephemeral range; use a port below 32768"
    install
    mkdir -p "$dir/data"
    case "$kind" in
        s3) setsid "$HERE/node_modules/.bin/s3rver" -d "$dir/data" -a 127.0.0.1 -p "$port" --silent \
                ${bucket:+--configure-bucket "$bucket"} >"$dir/server.log" 2>&1 < /dev/null & ;;
        azure) setsid "$HERE/node_modules/.bin/azurite-blob" --location "$dir/data" --blobHost 127.0.0.1 --blobPort "$port" \
                   --skipApiVersionCheck --silent --loose >"$dir/server.log" 2>&1 < /dev/null & ;;
        *) die "unknown store '$kind' (s3 or azure)";;
    esac
    local pid=$!
    echo "$pid" > "$dir/pid"
    local deadline=$((SECONDS + 60))
    until answers "$port"; do
        kill -0 "$pid" 2>/dev/null || die "$kind server exited before answering on 127.0.0.1:$port: $(tail -5 "$dir/server.log")"
        [ $SECONDS -lt $deadline ] || die "timed out after 60s waiting for the $kind server on 127.0.0.1:$port"
        sleep 0.1
    done
    echo "$pid"
}

stop() {
    local dir=$1
    [ -f "$dir/pid" ] || return 0
    local pid; pid=$(cat "$dir/pid")
    kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
}

case "${1:-}" in
    install) install ;;
    start) [ $# -ge 4 ] && [ $# -le 5 ] || die "usage: objectstores.sh start s3|azure DIR PORT [BUCKET]"; start "$2" "$3" "$4" "${5:-}" ;;
    stop) [ $# -eq 2 ] || die "usage: objectstores.sh stop DIR"; stop "$2" ;;
    *) die "usage: objectstores.sh install | start s3|azure DIR PORT | stop DIR" ;;
esac
