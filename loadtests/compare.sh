#!/usr/bin/env bash
# Backup benchmark: restic vs Borg vs Vault on the same generated dataset.
#
#   loadtests/compare.sh [--size 2G] [--workdir /tmp/vault-bench] [--tools restic,borg,vault]
#                        [--results DIR] [--mutate 5] [--seed 42] [--vault-bin DIR] [--keep]
#                        [--step-timeout 3600] [--history N] [--keep-last K] [--history-mutate 2]
#
# Steps, run step by step for every tool on the same data (so each sees identical bytes):
#   initial      first backup into an empty repository
#   unchanged    backup again with nothing changed
#   changed      backup after dataset.py --mutate (~5% of the bytes changed in place)
#   restore      restore the latest snapshot into an empty directory, then verify with diff -r
#   repo size    du -sb of the repository after the last backup (in each backup row)
# With --history N (retention and garbage collection), after those steps:
#   history      N more backups, each after dataset.py --mutate --history-mutate% with its own seed (not timed)
#   forget       keep the newest K snapshots (restic forget, borg prune, vault forget; --keep-last K)
#   prune        delete what they no longer reference (restic prune, borg compact, vault prune)
# Wall time and peak RSS come from /usr/bin/time -f '%e %M'. For Vault, the silo's RSS is sampled
# every 0.5 s during each step, and its VmHWM is read before it stops.
# The page cache is not dropped (that needs root and affects every tool alike): all runs are warm.
#
# Output: RESULTS/results.csv (one row per tool and step), RESULTS/results.md (the Markdown table,
# also printed), RESULTS/env.txt, and the tools' logs. The workdir is removed at the end unless --keep.
set -euo pipefail

SIZE=2G
WORKDIR=/tmp/vault-bench
TOOLS=restic,borg,vault
RESULTS=
MUTATE=5
SEED=42
VAULT_BIN=
KEEP=0
STEP_TIMEOUT=3600
HISTORY=0
KEEP_LAST=10
HISTORY_MUTATE=2
HTTP_PORT=17400
GRPC_PORT=17401
READY_DEADLINE=60

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) SIZE=$2; shift 2 ;;
    --workdir) WORKDIR=$2; shift 2 ;;
    --tools) TOOLS=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --mutate) MUTATE=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --vault-bin) VAULT_BIN=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --step-timeout) STEP_TIMEOUT=$2; shift 2 ;;
    --history) HISTORY=$2; shift 2 ;;
    --keep-last) KEEP_LAST=$2; shift 2 ;;
    --history-mutate) HISTORY_MUTATE=$2; shift 2 ;;
    --http-port) HTTP_PORT=$2; shift 2 ;;
    --grpc-port) GRPC_PORT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
RESULTS=${RESULTS:-$REPO_ROOT/bench-results/$(date +%Y%m%d-%H%M%S)}
IFS=',' read -r -a TOOL_LIST <<<"$TOOLS"
for t in "${TOOL_LIST[@]}"; do
  case "$t" in restic|borg|vault) ;; *) echo "compare.sh: unknown tool '$t' (restic, borg, vault)" >&2; exit 2 ;; esac
done
has_tool() { [[ ",$TOOLS," == *",$1,"* ]]; }

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- prerequisites
APT_UPDATED=0
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) -eq 0 ]] || die "'$1' is missing; install the Debian package '$2'"
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    timeout 600 apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y --no-install-recommends "$2" >/dev/null \
    || die "apt-get install $2 failed"
}
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time
need_pkg python3 python3
need_pkg curl curl
has_tool restic && need_pkg restic restic
has_tool borg && need_pkg borg borgbackup
has_tool vault && { command -v dotnet >/dev/null || die "dotnet is needed to build and run Vault"; }

# ---------------------------------------------------------------- workdir and cleanup
MARKER=.vault-bench-workdir
if [[ -e "$WORKDIR" ]]; then
  if [[ -f "$WORKDIR/$MARKER" ]]; then
    rm -rf "$WORKDIR"
  elif [[ -n $(ls -A "$WORKDIR") ]]; then
    die "$WORKDIR exists, is not empty and was not made by this script; pick another --workdir"
  fi
fi
mkdir -p "$WORKDIR" "$RESULTS"
touch "$WORKDIR/$MARKER"
WORKDIR=$(cd "$WORKDIR" && pwd)
RESULTS=$(cd "$RESULTS" && pwd)
DATA=$WORKDIR/data
CSV=$RESULTS/results.csv

SILO_PID=
SAMPLER_PID=
cleanup() {
  local rc=$?
  stop_sampler || true
  stop_silo || true
  if [[ $KEEP -eq 0 && -f "$WORKDIR/$MARKER" ]]; then
    rm -rf "$WORKDIR"
  else
    log "kept $WORKDIR"
  fi
  log "results in $RESULTS"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- measurement helpers
STEP_SECONDS=0
STEP_RSS_KIB=0
# measure NAME CMD...: runs CMD bounded by --step-timeout under /usr/bin/time; logs to RESULTS/NAME.{out,err}.
measure() {
  local name=$1; shift
  local tf=$RESULTS/$name.time rc=0
  /usr/bin/time -f '%e %M' -o "$tf" timeout "$STEP_TIMEOUT" "$@" >"$RESULTS/$name.out" 2>"$RESULTS/$name.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "$name failed (exit $rc; 124 means it ran past --step-timeout ${STEP_TIMEOUT}s); last lines of its stderr:"
    tail -n 20 "$RESULTS/$name.err" >&2 || true
    return $rc
  fi
  # /usr/bin/time may print a "Command exited..." line first; the numbers are on the last line.
  read -r STEP_SECONDS STEP_RSS_KIB < <(tail -n 1 "$tf")
}

tree_bytes() { du -sb --apparent-size "$1" | cut -f1; }
dir_bytes() { du -sb "$1" | cut -f1; }

# csv_row TOOL STEP SECONDS RSS_KIB SERVER_RSS_KIB DATA_BYTES REPO_BYTES STATUS
csv_row() {
  python3 - "$@" >>"$CSV" <<'PY'
import sys
tool, step, sec, rss, srss, data, repo, status = sys.argv[1:9]
mibs = ""
if sec and float(sec) > 0 and data:
    mibs = f"{int(data) / 1048576 / max(float(sec), 0.01):.1f}"
print(",".join([tool, step, sec, rss, srss, data, mibs, repo, status]))
PY
}

# The dataset as seen by each step (all tools back up the same bytes).
DATA_BYTES=0

# ---------------------------------------------------------------- restic
restic_env() {
  export RESTIC_REPOSITORY=$WORKDIR/restic/repo RESTIC_PASSWORD=bench-password \
    RESTIC_CACHE_DIR=$WORKDIR/restic/cache RESTIC_PROGRESS_FPS=0.2
}
restic_step() {
  local step=$1; restic_env
  case "$step" in
    initial)
      mkdir -p "$WORKDIR/restic"
      timeout 120 restic init --repository-version 2 >"$RESULTS/restic-init.log" 2>&1 || die "restic init failed"
      ;;&
    initial|unchanged|changed)
      # Backed up as "." from inside the dataset, so a restore lands directly in the target.
      measure "restic-$step" env -C "$DATA" restic backup --compression auto --host bench . ;;
    restore)
      measure restic-$step restic restore latest --target "$WORKDIR/restic/restore" ;;
    history*)
      env -C "$DATA" restic backup --compression auto --host bench . >>"$RESULTS/restic-history.log" 2>&1 ;;
    forget)
      measure restic-$step restic forget --keep-last "$KEEP_LAST" ;;
    prune)
      measure restic-$step restic prune ;;
  esac
}

# ---------------------------------------------------------------- borg
borg_env() {
  export BORG_REPO=$WORKDIR/borg/repo BORG_PASSPHRASE=bench-password BORG_BASE_DIR=$WORKDIR/borg/base \
    BORG_CACHE_DIR=$WORKDIR/borg/base/cache BORG_CONFIG_DIR=$WORKDIR/borg/base/config \
    BORG_SECURITY_DIR=$WORKDIR/borg/base/security BORG_KEYS_DIR=$WORKDIR/borg/base/keys \
    BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
}
BORG_LAST=
borg_step() {
  local step=$1; borg_env
  case "$step" in
    initial)
      mkdir -p "$WORKDIR/borg/base"
      timeout 120 borg init --encryption repokey-blake2 >"$RESULTS/borg-init.log" 2>&1 || die "borg init failed"
      ;;&
    initial|unchanged|changed)
      BORG_LAST=$step
      measure "borg-$step" env -C "$DATA" borg create --compression zstd,3 --stats "::$step" . ;;
    restore)
      mkdir -p "$WORKDIR/borg/restore"
      measure "borg-$step" env -C "$WORKDIR/borg/restore" borg extract "::$BORG_LAST" ;;
    history*)
      env -C "$DATA" borg create --compression zstd,3 "::$step" . >>"$RESULTS/borg-history.log" 2>&1 ;;
    forget)
      measure "borg-$step" borg prune --keep-last "$KEEP_LAST" ;;
    prune)
      measure "borg-$step" borg compact ;;
  esac
}

# ---------------------------------------------------------------- vault
VAULT_OUT=
VAULT_WRAPPER=
SILO_LOG=
vault_build() { # returns non-zero (after logging why) when Vault cannot be built
  if [[ -n "$VAULT_BIN" ]]; then
    VAULT_OUT=$(cd "$VAULT_BIN" && pwd)
  else
    VAULT_OUT=$WORKDIR/publish
    log "building Vault (Release)"
    (cd "$REPO_ROOT" && timeout 1200 dotnet publish silo -c Release -o "$VAULT_OUT/silo" >"$RESULTS/vault-publish-silo.log" 2>&1) \
      || { log "dotnet publish silo failed; see $RESULTS/vault-publish-silo.log"; return 1; }
    (cd "$REPO_ROOT" && timeout 1200 dotnet publish client/Vault.Cli -c Release -o "$VAULT_OUT/cli" >"$RESULTS/vault-publish-cli.log" 2>&1) \
      || { log "dotnet publish client/Vault.Cli failed; see $RESULTS/vault-publish-cli.log"; return 1; }
  fi
  [[ -f "$VAULT_OUT/silo/vault-silo.dll" ]] || { log "no $VAULT_OUT/silo/vault-silo.dll"; return 1; }
  [[ -f "$VAULT_OUT/cli/vault.dll" ]] || { log "no $VAULT_OUT/cli/vault.dll"; return 1; }
}

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# restic prune and borg compact delete at once; Vault's prune keeps deleted packs in a trash for a
# day by default. The history steps compare freed space, so the trash delay is 0 there.
SILO_ARGS=()
[[ $HISTORY -gt 0 ]] && SILO_ARGS+=(--Vault:Gc:TrashDelaySeconds=0)
start_silo() {
  local dir=$WORKDIR/vault/data
  mkdir -p "$dir"
  for p in "$HTTP_PORT" "$GRPC_PORT"; do
    port_busy "$p" && { log "port $p is already in use on 127.0.0.1; pass --http-port/--grpc-port"; return 1; }
  done
  SILO_LOG=$RESULTS/vault-silo.log
  VAULT_PASSWORD=bench-password dotnet "$VAULT_OUT/silo/vault-silo.dll" \
    --data-dir "$dir" --http-port "$HTTP_PORT" --grpc-port "$GRPC_PORT" "${SILO_ARGS[@]}" >"$SILO_LOG" 2>&1 &
  SILO_PID=$!
  local url=http://127.0.0.1:$HTTP_PORT/health/ready start=$SECONDS
  log "silo pid $SILO_PID; waiting for $url (deadline ${READY_DEADLINE}s)"
  until curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null; do
    if ! kill -0 "$SILO_PID" 2>/dev/null; then
      tail -n 30 "$SILO_LOG" >&2 || true
      wait "$SILO_PID" 2>/dev/null || true
      SILO_PID=
      log "the silo exited before $url answered (log: $SILO_LOG)"
      return 1
    fi
    if (( SECONDS - start >= READY_DEADLINE )); then
      tail -n 30 "$SILO_LOG" >&2 || true
      log "timed out after ${READY_DEADLINE}s waiting for $url to answer 2xx (silo log: $SILO_LOG)"
      stop_silo
      return 1
    fi
    sleep 0.5
  done
  log "silo ready after $((SECONDS - start))s"
}

silo_status_kib() { # silo_status_kib FIELD -> value in kB from /proc/PID/status
  awk -v f="$1:" '$1 == f { print $2 }' "/proc/$SILO_PID/status" 2>/dev/null || true
}

SILO_HWM_KIB=
stop_silo() {
  [[ -n "$SILO_PID" ]] || return 0
  SILO_HWM_KIB=$(silo_status_kib VmHWM)
  kill -TERM "$SILO_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 60); do
    kill -0 "$SILO_PID" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$SILO_PID" 2>/dev/null; then
    log "silo did not stop within 30 s of SIGTERM; killing it"
    kill -KILL "$SILO_PID" 2>/dev/null || true
  fi
  wait "$SILO_PID" 2>/dev/null || true
  SILO_PID=
}

SAMPLE_FILE=
start_sampler() {
  SAMPLE_FILE=$RESULTS/.silo-rss-max
  echo 0 >"$SAMPLE_FILE"
  local pid=$SILO_PID file=$SAMPLE_FILE
  (
    max=0
    while kill -0 "$pid" 2>/dev/null; do
      v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
      if [[ -n "$v" && "$v" -gt "$max" ]]; then max=$v; echo "$max" >"$file"; fi
      sleep 0.5
    done
  ) &
  SAMPLER_PID=$!
}
stop_sampler() {
  [[ -n "$SAMPLER_PID" ]] || return 0
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=
}

VAULT_STEP_SILO_KIB=
vault_step() {
  local step=$1 rc=0
  start_sampler
  case "$step" in
    initial|unchanged|changed) measure "vault-$step" "$VAULT_WRAPPER" backup "$DATA" --json || rc=$? ;;
    restore) measure "vault-$step" "$VAULT_WRAPPER" restore latest --target "$WORKDIR/vault/restore" --json || rc=$? ;;
    history*) "$VAULT_WRAPPER" backup "$DATA" --json >>"$RESULTS/vault-history.log" 2>&1 || rc=$? ;;
    forget) measure "vault-$step" "$VAULT_WRAPPER" forget --keep-last "$KEEP_LAST" --json || rc=$? ;;
    prune) measure "vault-$step" "$VAULT_WRAPPER" prune --json || rc=$? ;;
  esac
  stop_sampler
  VAULT_STEP_SILO_KIB=$(cat "$SAMPLE_FILE" 2>/dev/null || echo "")
  return $rc
}

# ---------------------------------------------------------------- steps
restored_root() { # where a restore put the dataset: TARGET itself or TARGET/<absolute path of DATA>
  local t=$1
  local c
  for c in "$t${DATA}" "$t/$(basename "$DATA")" "$t"; do
    if [[ -d "$c/text" || -d "$c/bin" || -d "$c/small" ]]; then echo "$c"; return 0; fi
  done
  echo "$t"
}

repo_dir() {
  case "$1" in
    restic) echo "$WORKDIR/restic/repo" ;;
    borg) echo "$WORKDIR/borg/repo" ;;
    vault) echo "$WORKDIR/vault/data" ;;
  esac
}

run_step() { # run_step TOOL STEP
  local tool=$1 step=$2 status=ok srss="" repo=""
  log "$tool: $step"
  if ! "${tool}_step" "$step"; then
    status=failed
    STEP_SECONDS=""; STEP_RSS_KIB=""
  fi
  [[ "$tool" == vault ]] && srss=$VAULT_STEP_SILO_KIB
  if [[ "$step" == restore && "$status" == ok ]]; then
    local root; root=$(restored_root "$WORKDIR/$tool/restore")
    if diff -rq --no-dereference "$DATA" "$root" >"$RESULTS/$tool-restore.diff" 2>&1; then
      status=verified
      rm -f "$RESULTS/$tool-restore.diff"
    else
      status=mismatch
      log "$tool: restore differs from the source (first lines of $RESULTS/$tool-restore.diff):"
      head -n 10 "$RESULTS/$tool-restore.diff" >&2
    fi
    rm -rf "$WORKDIR/$tool/restore"
  fi
  [[ "$step" != restore ]] && repo=$(dir_bytes "$(repo_dir "$tool")" 2>/dev/null || echo "")
  csv_row "$tool" "$step" "$STEP_SECONDS" "$STEP_RSS_KIB" "$srss" "$DATA_BYTES" "$repo" "$status"
  [[ -n "$STEP_SECONDS" ]] && log "$tool: $step took ${STEP_SECONDS}s, peak RSS ${STEP_RSS_KIB} KiB${srss:+, silo ${srss} KiB} ($status)"
  return 0
}

# ---------------------------------------------------------------- main
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host: $(uname -srm); cores: $(nproc); memory: $(free -m | awk '/Mem:/ { print $2 " MiB" }')"
  echo "dataset: size=$SIZE seed=$SEED mutate=$MUTATE%"
  has_tool restic && echo "restic: $(restic version)"
  has_tool borg && echo "borg: $(borg --version)"
  has_tool vault && echo "dotnet: $(dotnet --version)"
  echo "page cache: not dropped (all runs read warm data)"
} >"$RESULTS/env.txt"
echo "tool,step,seconds,peak_rss_kib,silo_peak_rss_kib,data_bytes,mib_per_s,repo_bytes,status" >"$CSV"

drop_vault() { # drop_vault REASON: record why and go on with the other tools
  log "Vault is left out of this run: $1"
  echo "vault,$1,,,,,,,failed" >>"$CSV"
  TOOLS=$(IFS=','; echo "${TOOL_LIST[*]}" | sed 's/\(^\|,\)vault\(,\|$\)/\1/; s/,$//')
  IFS=',' read -r -a TOOL_LIST <<<"$TOOLS"
}

if has_tool vault && ! vault_build; then drop_vault build; fi
if has_tool vault; then
  # /usr/bin/time needs an executable: a small wrapper calls the CLI with the gateway and password.
  VAULT_WRAPPER=$WORKDIR/vault-cli.sh
  mkdir -p "$WORKDIR/vault"
  cat >"$VAULT_WRAPPER" <<EOF
#!/usr/bin/env bash
export VAULT_PASSWORD=bench-password
exec dotnet "$VAULT_OUT/cli/vault.dll" --gateway "http://127.0.0.1:$GRPC_PORT" "\$@"
EOF
  chmod +x "$VAULT_WRAPPER"
fi

log "generating dataset ($SIZE, seed $SEED)"
timeout "$STEP_TIMEOUT" python3 "$SCRIPT_DIR/dataset.py" "$DATA" --size "$SIZE" --seed "$SEED" | tee -a "$RESULTS/env.txt" >&2
DATA_BYTES=$(tree_bytes "$DATA")

if has_tool vault && ! start_silo; then drop_vault silo-start; fi
[[ ${#TOOL_LIST[@]} -gt 0 && -n "${TOOL_LIST[0]}" ]] || die "no tool left to run"

for step in initial unchanged; do
  for t in "${TOOL_LIST[@]}"; do run_step "$t" "$step"; done
done

log "mutating ${MUTATE}% of the dataset"
timeout 600 python3 "$SCRIPT_DIR/dataset.py" "$DATA" --mutate "$MUTATE" --seed "$SEED" | tee -a "$RESULTS/env.txt" >&2
DATA_BYTES=$(tree_bytes "$DATA")

for step in changed restore; do
  for t in "${TOOL_LIST[@]}"; do run_step "$t" "$step"; done
done

if [[ $HISTORY -gt 0 ]]; then
  for i in $(seq 1 "$HISTORY"); do
    log "history $i/$HISTORY: mutating ${HISTORY_MUTATE}%"
    timeout 600 python3 "$SCRIPT_DIR/dataset.py" "$DATA" --mutate "$HISTORY_MUTATE" --seed "$((SEED + i))" >>"$RESULTS/history.log" 2>&1
    for t in "${TOOL_LIST[@]}"; do
      "${t}_step" "history$i" || die "$t: backup $i of the history failed (see $RESULTS/$t-history.log)"
    done
  done
  DATA_BYTES=$(tree_bytes "$DATA")
  for t in "${TOOL_LIST[@]}"; do
    csv_row "$t" history "" "" "" "$DATA_BYTES" "$(dir_bytes "$(repo_dir "$t")")" ok
  done
  for step in forget prune; do
    for t in "${TOOL_LIST[@]}"; do run_step "$t" "$step"; done
  done
fi

if has_tool vault; then
  stop_silo
  echo "vault silo VmHWM (whole run): ${SILO_HWM_KIB:-unknown} KiB" >>"$RESULTS/env.txt"
  python3 - "$CSV" "${SILO_HWM_KIB:-}" <<'PY'
import sys
csv, hwm = sys.argv[1], sys.argv[2]
with open(csv, "a") as f:
    f.write(f"vault,silo-vmhwm,,,{hwm},,,,{'ok' if hwm else 'unknown'}\n")
PY
fi

python3 "$SCRIPT_DIR/report.py" "$CSV" "$RESULTS/env.txt" | tee "$RESULTS/results.md"
