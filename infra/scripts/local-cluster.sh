#!/usr/bin/env bash
# A development cluster on 127.0.0.1: a throw-away PostgreSQL 15 plus N silos in cluster mode.
#
#   infra/scripts/local-cluster.sh start [N]    # default N=3; prints the gateways
#   infra/scripts/local-cluster.sh stop
#   infra/scripts/local-cluster.sh status
#
# State lives in $VAULT_LOCAL_CLUSTER (default /tmp/vault-local-cluster): pg/, nN/ data dirs, logs.
# Needs root (PostgreSQL runs as the postgres user), postgresql-15 and a Release build of the silo.
# Ports: PostgreSQL 25432; silo i uses HTTP 7400+10i, gRPC 7401+10i, silo 11100+i, gateway 30100+i.
# Optional: VAULT_SILO_ARGS (extra silo arguments, e.g. "--Vault:Cluster:RepairIntervalSeconds=2"),
# VAULT_PG_OPTIONS (extra postgres options, e.g. "-c shared_preload_libraries=pg_stat_statements"),
# VAULT_SILO_DLL (another build of vault-silo.dll).
set -euo pipefail
root=${VAULT_LOCAL_CLUSTER:-/tmp/vault-local-cluster}
repo="$(cd "$(dirname "$0")/../.." && pwd)"
pgbin=/usr/lib/postgresql/15/bin
pgport=${VAULT_PG_PORT:-25432}
pgpass=local-cluster
silo=${VAULT_SILO_DLL:-$repo/silo/bin/Release/net10.0/vault-silo.dll}
read -r -a silo_args <<<"${VAULT_SILO_ARGS:-}"
export VAULT_PASSWORD=${VAULT_PASSWORD:-local cluster password}
db="Host=127.0.0.1;Port=$pgport;Database=vault;Username=postgres;Password=$pgpass"

wait_for() { # url seconds
    for _ in $(seq 1 $(( $2 * 5 ))); do curl -sf -m 1 "$1" >/dev/null && return 0; sleep 0.2; done
    echo "local-cluster: $1 did not answer within $2 s" >&2; return 1
}

start() {
    local n=${1:-3}
    [ -f "$silo" ] || { echo "local-cluster: build first: dotnet build Vault.sln -c Release" >&2; exit 1; }
    mkdir -p "$root"
    if [ ! -d "$root/pg/data" ]; then
        mkdir -p "$root/pg" && echo "$pgpass" > "$root/pg/pw" && chown -R postgres "$root/pg"
        runuser -u postgres -- "$pgbin/initdb" -D "$root/pg/data" -U postgres --pwfile="$root/pg/pw" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
        fresh=1
    fi
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$root/pg/data" -l "$root/pg/log" -w \
        -o "-p $pgport -c listen_addresses=127.0.0.1 -k $root/pg ${VAULT_PG_OPTIONS:-}" start >/dev/null
    if [ "${fresh:-0}" = 1 ]; then
        PGPASSWORD=$pgpass psql -q "host=127.0.0.1 port=$pgport user=postgres dbname=postgres" -c "CREATE DATABASE vault"
    fi
    for i in $(seq 1 "$n"); do
        nohup dotnet "$silo" --node-id "n$i" --data-dir "$root/n$i" --cluster-db "$db" --apply-schema \
            --http-port $((7400 + 10 * i)) --grpc-port $((7401 + 10 * i)) \
            --silo-port $((11100 + i)) --gateway-port $((30100 + i)) "${silo_args[@]}" > "$root/n$i.log" 2>&1 &
        echo $! > "$root/n$i.pid"
    done
    for i in $(seq 1 "$n"); do
        wait_for "http://127.0.0.1:$((7400 + 10 * i))/health/ready" 90
        echo "n$i: gateway http://127.0.0.1:$((7401 + 10 * i))  (REST http://127.0.0.1:$((7400 + 10 * i)))  log $root/n$i.log"
    done
    echo "database: $db"
}

stop() {
    # Silos first, while the database is still there for their graceful leave.
    local pids=()
    for pid in "$root"/n*.pid; do
        [ -f "$pid" ] || continue
        pids+=("$(cat "$pid")")
        kill "$(cat "$pid")" 2>/dev/null || true
        rm -f "$pid"
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null || true
    done
    [ -d "$root/pg/data" ] && runuser -u postgres -- "$pgbin/pg_ctl" -D "$root/pg/data" -m fast -w stop >/dev/null 2>&1 || true
}

status() {
    for pid in "$root"/n*.pid; do
        [ -f "$pid" ] || continue
        node=$(basename "$pid" .pid)
        if kill -0 "$(cat "$pid")" 2>/dev/null; then echo "$node: running (pid $(cat "$pid"))"; else echo "$node: stopped"; fi
    done
}

case "${1:-}" in
    start) start "${2:-3}" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start [N] | stop | status" >&2; exit 2 ;;
esac
