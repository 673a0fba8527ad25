#!/usr/bin/env bash
# Cluster benchmark: one embedded silo vs PostgreSQL + 3 silos (R = 2) on the same dataset.
#
#   loadtests/cluster-bench.sh [--size 1G] [--seed 42] [--workdir /tmp/vault-cluster-bench]
#                              [--results DIR] [--quiet-window 30] [--keep]
#
# Needs root (PostgreSQL runs as the postgres user), postgresql-15 and a Release build of the
# silo and the CLI (dotnet build silo -c Release; dotnet build client/Vault.Cli -c Release).
#
# Steps:
#   1. embedded    one silo (--data-dir, no database); `vault backup DATA` timed with /usr/bin/time
#   2. cluster     infra/scripts/local-cluster.sh start 3 (R = 2, W = 2) with pg_stat_statements
#                  preloaded; the same backup through n1's gateway, timed the same way
#   3. database    pg_stat_database deltas (xact_commit, tup_inserted/updated/deleted) for the
#                  'vault' database and sum(calls) of pg_stat_statements (utility statements such
#                  as DISCARD ALL excluded), sampled right before and
#                  after the backup; background traffic (membership heartbeats, repair's roster
#                  reads) is measured over --quiet-window seconds of idle cluster and subtracted;
#                  RESULTS/pg-statements.txt lists the statements of the backup by calls
#   4. failure     kill -9 n3; time until GET /api/v1/peers on n1 shows it down, and until every
#                  pack is on 2 live nodes (live copies = 2 × packs, under-replicated 0 on n1 and
#                  n2); repair throughput = bytes of n3's packs / (repaired − declared down)
# Failure detection and repair run with faster settings than the defaults (see CLUSTER_ARGS);
# with the defaults (repair every 60 s) the repair time grows by up to a minute.
#
# Output: RESULTS/results.md (the table, also printed), RESULTS/env.txt, logs. The workdir and the
# cluster state are removed at the end unless --keep.
set -euo pipefail

SIZE=1G
SEED=42
WORKDIR=/tmp/vault-cluster-bench
RESULTS=
QUIET=30
KEEP=0
HTTP_PORT=17400
GRPC_PORT=17401
PASSWORD='cluster bench password'
CLUSTER_ARGS="--replicas 2 --write-quorum 2 --Vault:Cluster:RepairIntervalSeconds=2 \
--Vault:Cluster:DropAfterStableSeconds=10 --Vault:Cluster:ProbeTimeoutSeconds=1 --Vault:Cluster:MissedProbesLimit=2"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --quiet-window) QUIET=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster-bench.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
RESULTS=${RESULTS:-$REPO_ROOT/bench-results/cluster-$(date +%Y%m%d-%H%M%S)}
SILO_DLL=$REPO_ROOT/silo/bin/Release/net10.0/vault-silo.dll
CLI_DLL=$REPO_ROOT/client/Vault.Cli/bin/Release/net10.0/vault.dll
LOCAL_CLUSTER=$REPO_ROOT/infra/scripts/local-cluster.sh
PG_PORT=25432
PG="host=127.0.0.1 port=$PG_PORT user=postgres dbname=vault"
N1_HTTP=http://127.0.0.1:7410

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (local-cluster.sh runs PostgreSQL as the postgres user)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
[[ -f "$SILO_DLL" ]] || die "no $SILO_DLL: dotnet build silo -c Release"
[[ -f "$CLI_DLL" ]] || die "no $CLI_DLL: dotnet build client/Vault.Cli -c Release"
for p in "$HTTP_PORT" "$GRPC_PORT" 7410 7411 7420 7421 7430 7431 "$PG_PORT"; do
  ! ss -Hltn "sport = :$p" | grep -q . || die "port $p is already in use on 127.0.0.1"
done

MARKER=.vault-cluster-bench
if [[ -e "$WORKDIR" ]]; then
  [[ -f "$WORKDIR/$MARKER" || -z $(ls -A "$WORKDIR") ]] || die "$WORKDIR exists and was not made by this script"
  rm -rf "$WORKDIR"
fi
mkdir -p "$WORKDIR" "$RESULTS"
touch "$WORKDIR/$MARKER"
DATA=$WORKDIR/data
export VAULT_LOCAL_CLUSTER=$WORKDIR/cluster VAULT_PASSWORD=$PASSWORD VAULT_PG_PORT=$PG_PORT

SILO_PID=
CLUSTER_STARTED=0
cleanup() {
  local rc=$?
  if [[ -n "$SILO_PID" ]]; then kill "$SILO_PID" 2>/dev/null || true; wait "$SILO_PID" 2>/dev/null || true; fi
  [[ $CLUSTER_STARTED -eq 1 ]] && "$LOCAL_CLUSTER" stop >/dev/null 2>&1 || true
  if [[ $KEEP -eq 0 ]]; then rm -rf "$WORKDIR"; else log "kept $WORKDIR"; fi
  log "results in $RESULTS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# /usr/bin/time needs an executable: one wrapper per gateway.
cli_wrapper() { # cli_wrapper NAME GRPC_URL
  cat >"$WORKDIR/$1" <<EOF
#!/usr/bin/env bash
exec dotnet "$CLI_DLL" --gateway "$2" "\$@"
EOF
  chmod +x "$WORKDIR/$1"
}

SECS=; RSS=
timed_backup() { # timed_backup NAME WRAPPER
  local tf=$RESULTS/$1.time
  /usr/bin/time -f '%e %M' -o "$tf" "$WORKDIR/$2" backup "$DATA" --json >"$RESULTS/$1.json" 2>"$RESULTS/$1.err" \
    || { tail -n 20 "$RESULTS/$1.err" >&2; die "$1: backup failed"; }
  read -r SECS RSS < <(tail -n 1 "$tf")
}

json_stat() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]])' "$1" "$2"; }

wait_http() { # wait_http URL DEADLINE_S
  local start=$SECONDS
  until curl -fsS -m 2 -o /dev/null "$1" 2>/dev/null; do
    (( SECONDS - start < $2 )) || die "$1 did not answer within $2 s"
    sleep 0.5
  done
}

psql_q() { psql -XAtq "$PG" -c "$1"; }
DB_COLS="xact_commit, tup_inserted, tup_updated, tup_deleted"
# Utility statements (track_utility is on, to show them in the per-query dump) are left out of the sum.
UTILITY='^\s*(discard|begin|commit|rollback|start|set|reset|show|deallocate|listen|unlisten)\y'
db_sample() { # -> "xact ins upd del calls"
  local s c
  s=$(psql_q "SELECT $DB_COLS FROM pg_stat_database WHERE datname = 'vault'" | tr '|' ' ')
  c=$(psql_q "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = 'vault' AND s.query !~* '$UTILITY'" 2>/dev/null || echo 0)
  echo "$s $c"
}
# Backends report their counters to pg_stat_database when they go idle, at most once a second and
# within 10 s when idle (PostgreSQL 15): wait that long before a sample that must include them.
settle() { sleep 11; }

peers_json() { curl -fsS -m 5 "$N1_HTTP/api/v1/peers"; }
# peers_eval EXPR: prints EXPR with `p` = the peers list of n1's view.
peers_eval() {
  peers_json | python3 -c '
import json, sys
p = json.load(sys.stdin)["peers"]
for x in p:
    for k in ("packCount", "underReplicated"):
        x[k] = int(x.get(k, 0) or 0)
print(eval(sys.argv[1]))' "$1"
}
# wait_peers WHAT DEADLINE_S EXPR: polls every 0.2 s until peers_eval EXPR prints True.
wait_peers() {
  local deadline=$((SECONDS + $2))
  until [[ $(peers_eval "$3" 2>/dev/null) == True ]]; do
    (( SECONDS < deadline )) || die "waited $2 s for $1; peers: $(peers_json 2>&1)"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- environment and dataset
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm); cores: $(nproc); memory: $(free -m | awk '/Mem:/ { print $2 " MiB" }')"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet: $(dotnet --version); postgres: $(/usr/lib/postgresql/15/bin/postgres --version)"
  echo "dataset: size=$SIZE seed=$SEED"
  echo "cluster arguments: $CLUSTER_ARGS"
} >"$RESULTS/env.txt"
log "generating dataset ($SIZE, seed $SEED)"
python3 "$SCRIPT_DIR/dataset.py" "$DATA" --size "$SIZE" --seed "$SEED" >>"$RESULTS/env.txt"
DATA_BYTES=$(du -sb --apparent-size "$DATA" | cut -f1)

# ---------------------------------------------------------------- 1. embedded
log "embedded: starting one silo"
mkdir -p "$WORKDIR/embedded"
dotnet "$SILO_DLL" --data-dir "$WORKDIR/embedded" --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" \
  >"$RESULTS/embedded-silo.log" 2>&1 &
SILO_PID=$!
wait_http "http://127.0.0.1:$HTTP_PORT/health/ready" 90
cli_wrapper vault-embedded "http://127.0.0.1:$GRPC_PORT"
log "embedded: backup"
timed_backup embedded vault-embedded
EMB_SECS=$SECS; EMB_RSS=$RSS
EMB_STORED=$(json_stat "$RESULTS/embedded.json" bytesStored)
EMB_REPO=$(du -sb "$WORKDIR/embedded" | cut -f1)
log "embedded: ${EMB_SECS}s, stored $EMB_STORED bytes"
kill "$SILO_PID"; wait "$SILO_PID" 2>/dev/null || true; SILO_PID=

# ---------------------------------------------------------------- 2. cluster
log "cluster: PostgreSQL + 3 silos"
CLUSTER_STARTED=1
VAULT_SILO_DLL=$SILO_DLL VAULT_SILO_ARGS=$CLUSTER_ARGS \
VAULT_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top -c pg_stat_statements.track_utility=on" \
  "$LOCAL_CLUSTER" start 3 >"$RESULTS/local-cluster.log" 2>&1 || { cat "$RESULTS/local-cluster.log" >&2; die "local-cluster.sh start failed"; }
export PGPASSWORD=local-cluster
psql_q "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" || log "pg_stat_statements unavailable; calls will read 0"
cli_wrapper vault-n1 "http://127.0.0.1:7411"
# Wait until every node has joined the roster and is up.
wait_peers "the 3 nodes up in GET /api/v1/peers" 120 'sum(1 for x in p if x["state"] == "up") == 3'

log "cluster: measuring ${QUIET}s of background database traffic"
settle
q0t=$(date +%s.%N); read -r q0x q0i q0u q0d q0c < <(db_sample)
sleep "$QUIET"
q1t=$(date +%s.%N); read -r q1x q1i q1u q1d q1c < <(db_sample)

log "cluster: backup through n1"
psql_q "SELECT pg_stat_statements_reset()" >/dev/null 2>&1 || true
b0t=$(date +%s.%N); read -r b0x b0i b0u b0d b0c < <(db_sample)
timed_backup cluster vault-n1
CL_SECS=$SECS; CL_RSS=$RSS
settle
b1t=$(date +%s.%N); read -r b1x b1i b1u b1d b1c < <(db_sample)
CL_STORED=$(json_stat "$RESULTS/cluster.json" bytesStored)
psql -X "$PG" -c "SELECT calls, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'vault'
  ORDER BY calls DESC LIMIT 20" >"$RESULTS/pg-statements.txt" 2>&1 || true
log "cluster: ${CL_SECS}s, stored $CL_STORED bytes"

# Every pack on exactly 2 nodes before the failure.
wait_peers "every pack on 2 nodes after the backup" 120 \
  'sum(x["packCount"] for x in p) % 2 == 0 and all(x["underReplicated"] == 0 for x in p)'
COPIES=$(peers_eval 'sum(x["packCount"] for x in p)')
PACKS=$((COPIES / 2))
PER_NODE=$(peers_eval '" ".join("%s=%d" % (x["node"], x["packCount"]) for x in sorted(p, key=lambda x: x["node"]))')
N3_PACK_BYTES=$(du -sb "$VAULT_LOCAL_CLUSTER/n3/packs" 2>/dev/null | cut -f1 || true)
[[ -n "$N3_PACK_BYTES" ]] || N3_PACK_BYTES=$(find "$VAULT_LOCAL_CLUSTER/n3" -type f -size +1M -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
N3_PACKS=$(peers_eval 'next(x["packCount"] for x in p if x["node"] == "n3")')
CL_REPO=$(du -sb "$VAULT_LOCAL_CLUSTER"/n[123] | awk '{ s += $1 } END { print s }')

# ---------------------------------------------------------------- 4. failure and repair
log "failure: kill -9 n3 ($N3_PACKS packs, $N3_PACK_BYTES bytes)"
kill -9 "$(cat "$VAULT_LOCAL_CLUSTER/n3.pid")"
k0=$(date +%s.%N)
wait_peers "n3 reported down" 180 'next(x["state"] for x in p if x["node"] == "n3") == "down"'
kd=$(date +%s.%N)
log "failure: n3 down after $(python3 -c "print(f'{$kd - $k0:.1f}')") s; waiting for repair"
wait_peers "every pack back on 2 live nodes" 600 \
  "sum(x['packCount'] for x in p if x['state'] == 'up') == 2 * $PACKS and all(x['underReplicated'] == 0 for x in p if x['state'] == 'up')"
kr=$(date +%s.%N)
log "failure: repaired"

# ---------------------------------------------------------------- 5. results
python3 - "$RESULTS" <<PY | tee "$RESULTS/results.md"
import sys
gib = 1024 ** 3
data, emb_s, cl_s = $DATA_BYTES, $EMB_SECS, $CL_SECS
quiet = $q1t - $q0t
window = $b1t - $b0t
def rate(a, b): return (b - a) / quiet
rows = []
def mib_s(b, s): return f"{b / 1048576 / s:.1f}" if s > 0 else "-"
print(f"dataset {data / gib:.2f} GiB ({data} bytes), seed $SEED; embedded stored $EMB_STORED bytes, cluster stored $CL_STORED bytes")
print()
print("| step | measured |")
print("| --- | --- |")
print(f"| embedded backup (1 silo, no database) | {emb_s:.1f} s, {mib_s(data, emb_s)} MiB/s, CLI peak RSS {$EMB_RSS // 1024} MiB; data dir {$EMB_REPO / 1048576:.0f} MiB |")
print(f"| cluster backup through n1 (3 silos, R = W = 2) | {cl_s:.1f} s, {mib_s(data, cl_s)} MiB/s ({cl_s / emb_s:.2f}× embedded); data dirs {$CL_REPO / 1048576:.0f} MiB in all |")
print(f"| packs after the backup | $PACKS packs, $COPIES copies ($PER_NODE) |")
per = gib / data
for name, a, b, qa, qb in [
    ("transactions (xact_commit)", $b0x, $b1x, $q0x, $q1x),
    ("statements (pg_stat_statements calls)", $b0c, $b1c, $q0c, $q1c),
    ("rows inserted", $b0i, $b1i, $q0i, $q1i),
    ("rows updated", $b0u, $b1u, $q0u, $q1u),
    ("rows deleted", $b0d, $b1d, $q0d, $q1d),
]:
    raw = b - a
    bg = rate(qa, qb) * window
    net = raw - bg
    print(f"| {name} during the backup | {raw} raw over {window:.0f} s, background ≈ {bg:.0f} ({rate(qa, qb):.2f}/s idle) → **{net:.0f}**, ≈ {net * per:.0f} per GiB |")
down = $kd - $k0
repaired = $kr - $k0
repair = $kr - $kd
print(f"| kill -9 n3 → n1 reports it down | {down:.1f} s |")
print(f"| kill -9 n3 → every pack on 2 live nodes | {repaired:.1f} s ({repair:.1f} s after it was reported down) |")
print(f"| repair throughput | $N3_PACKS packs, {$N3_PACK_BYTES / 1048576:.0f} MiB copied in {repair:.1f} s = {mib_s($N3_PACK_BYTES, repair)} MiB/s |")
PY
