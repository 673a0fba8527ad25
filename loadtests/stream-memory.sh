#!/usr/bin/env bash
# Backs up a large stream through `vault backup --stdin`, dumps it back with `vault dump`, checks the
# SHA-256 matches, and prints the peak RSS of the silo and of each CLI run with the throughput.
# Usage: loadtests/stream-memory.sh [GiB]   (Release build first: dotnet build Vault.sln -c Release)
set -euo pipefail
GIB=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SILO="$ROOT/silo/bin/Release/net10.0/vault-silo.dll"
CLI="$ROOT/client/Vault.Cli/bin/Release/net10.0/vault.dll"
WORK=$(mktemp -d /tmp/vault-stream-XXXXXX)
HTTP=27400; GRPC=27401
export VAULT_PASSWORD=stream-memory
dotnet "$SILO" --data-dir "$WORK/data" --http-port $HTTP --grpc-port $GRPC --silo-port 27411 --gateway-port 27430 --node-id bench >"$WORK/silo.log" 2>&1 &
SILO_PID=$!
trap 'kill $SILO_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
until curl -fs "http://127.0.0.1:$HTTP/health/ready" >/dev/null; do sleep 0.2; done
vault() { dotnet "$CLI" --gateway "http://127.0.0.1:$GRPC" "$@"; }

# Incompressible data: openssl's AES-CTR keystream is far faster than /dev/urandom.
gen() { (openssl enc -aes-128-ctr -pass pass:vault -nosalt -pbkdf2 </dev/zero 2>/dev/null || true) | head -c $((GIB * 1024 * 1024 * 1024)); }
SENT=$(gen | tee >(sha256sum | cut -d' ' -f1 >"$WORK/sent.sha") | /usr/bin/time -f "%M %e" -o "$WORK/backup.time" dotnet "$CLI" --gateway "http://127.0.0.1:$GRPC" backup --stdin --name big.bin --json)
SNAP=$(echo "$SENT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshot"])')
SILO_AFTER_BACKUP=$(grep VmHWM /proc/$SILO_PID/status | awk '{print $2}')
/usr/bin/time -f "%M %e" -o "$WORK/dump.time" dotnet "$CLI" --gateway "http://127.0.0.1:$GRPC" dump "$SNAP" /big.bin | sha256sum | cut -d' ' -f1 >"$WORK/got.sha"
SILO_PEAK=$(grep VmHWM /proc/$SILO_PID/status | awk '{print $2}')
read -r BACKUP_KB BACKUP_S <"$WORK/backup.time"
read -r DUMP_KB DUMP_S <"$WORK/dump.time"
MIB=$((GIB * 1024))
echo "stream: $GIB GiB of incompressible data"
echo "sha256 sent $(cat "$WORK/sent.sha")"
echo "sha256 back $(cat "$WORK/got.sha")"
[ "$(cat "$WORK/sent.sha")" = "$(cat "$WORK/got.sha")" ] && echo "identical: yes" || { echo "identical: NO"; exit 1; }
echo "backup: ${BACKUP_S} s ($(python3 -c "print(round($MIB/$BACKUP_S))") MiB/s), CLI peak RSS $((BACKUP_KB / 1024)) MiB, silo peak RSS after backup $((SILO_AFTER_BACKUP / 1024)) MiB"
echo "dump:   ${DUMP_S} s ($(python3 -c "print(round($MIB/$DUMP_S))") MiB/s), CLI peak RSS $((DUMP_KB / 1024)) MiB, silo peak RSS overall $((SILO_PEAK / 1024)) MiB"
