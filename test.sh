#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs the Debian packages the tests need
# (infra/test-packages.txt), builds, and runs every test project. Servers that tests use are
# started by the tests themselves, on 127.0.0.1. Needs root (or sudo) only to install packages.
set -euo pipefail
cd "$(dirname "$0")"

configuration=${CONFIGURATION:-Release}
packages=$(grep -vE '^\s*(#|$)' infra/test-packages.txt || true)
missing=()
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# promtool (alert rule and /metrics checks) comes out of Debian's prometheus package, without the server.
infra/scripts/install-promtool.sh
# s3rver and Azurite (the off-site tests' object stores) from npm at pinned versions.
infra/scripts/objectstores.sh install

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build Vault.sln -c "$configuration" -v quiet -nologo

results=$(mktemp -d)
set +e
# One test project at a time: several projects start real servers and silo processes, and on 2 cores
# running them side by side starves them (timeouts that measure the machine, not the code).
dotnet test Vault.sln -c "$configuration" --no-build -nologo -m:1 --logger "trx" --results-directory "$results" > "$results/output.txt" 2>&1
status=$?
# The gateway's suite once more against the standalone vault-gateway's wiring (the first run used the silo's).
VAULT_TEST_GATEWAY_HOST=standalone dotnet test tests/Vault.Surface.Tests -c "$configuration" --no-build -nologo --logger "trx" --results-directory "$results" >> "$results/output.txt" 2>&1
standalone=$?
[ "$status" -ne 0 ] || status=$standalone
set -e
# Failures with their messages, then each project's summary line.
grep -E '^\s+Failed |^\s+(Error Message|Stack Trace):|^\s{3}[^ ]|(Passed|Failed)!\s+-' "$results/output.txt" | grep -vE '^\s+at ' | head -400 || true

# One summary line over all projects, in the plain form CI reads.
passed=0; failed=0; skipped=0
while read -r line; do
    p=$(sed -nE 's/.*Passed:\s+([0-9]+).*/\1/p' <<<"$line"); f=$(sed -nE 's/.*Failed:\s+([0-9]+),.*/\1/p' <<<"$line"); s=$(sed -nE 's/.*Skipped:\s+([0-9]+).*/\1/p' <<<"$line")
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done < <(grep -E '(Passed|Failed)!\s+-' "$results/output.txt")
# With the normal console verbosity each project ends with a block of "Passed: N" / "Failed: N" lines instead.
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
    passed=$(sed -nE 's/^\s+Passed:\s+([0-9]+)\s*$/\1/p' "$results/output.txt" | awk '{ s += $1 } END { print s + 0 }')
    failed=$(sed -nE 's/^\s+Failed:\s+([0-9]+)\s*$/\1/p' "$results/output.txt" | awk '{ s += $1 } END { print s + 0 }')
    skipped=$(sed -nE 's/^\s+Skipped:\s+([0-9]+)\s*$/\1/p' "$results/output.txt" | awk '{ s += $1 } END { print s + 0 }')
    passed=${passed:-0}; failed=${failed:-0}; skipped=${skipped:-0}
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    echo "test.sh: FAILED (dotnet test exit $status); full output in $results/output.txt"
    tail -50 "$results/output.txt"
    exit 1
fi
