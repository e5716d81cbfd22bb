#!/usr/bin/env bash
# Runs tests N times while two busy threads load the machine (issue 10: no test may depend on the machine's load).
# Usage: bash scripts/stress-tests.sh [N] [FILTER]   (FILTER: a dotnet test --filter; default: the whole suite)
# Ends with "stress: P of N runs passed". Build first (bash scripts/test.sh or dotnet build -c Release).
set -uo pipefail
cd "$(dirname "$0")/.."
n="${1:-20}"; filter="${2:-}"
busy=()
for i in 1 2; do (exec timeout 7200 sh -c 'while :; do :; done') & busy+=($!); done
trap 'kill "${busy[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
pass=0
for k in $(seq 1 "$n"); do
  args=(test MathNas.sln -c Release --no-build --nologo)
  [[ -n "$filter" ]] && args+=(--filter "$filter")
  if dotnet "${args[@]}" > "/tmp/mathnas-stress-$k.log" 2>&1; then pass=$((pass + 1)); r=passed; else r="FAILED (/tmp/mathnas-stress-$k.log)"; fi
  echo "run $k: $r; load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "stress: $pass of $n runs passed"
[[ $pass -eq $n ]]
