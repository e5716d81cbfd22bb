#!/usr/bin/env bash
# The project's test command (the README's second command): builds the solution in Release and runs every test
# project. Tests that need the shared ground-truth data (../shared/data or $MATHNAS_DATA) skip with a message when
# it is absent. Ends with one summary line: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
if ! dotnet build MathNas.sln -c Release --nologo -v quiet -clp:"ErrorsOnly;NoSummary"; then
  echo "error: build failed" >&2
  exit 1
fi
dotnet test MathNas.sln -c Release --no-build --nologo -v quiet --logger "console;verbosity=normal" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
sum() { grep -E "^\s+$1: [0-9]+" "$log" | awk '{s += $2} END {print s + 0}'; }
passed=$(sum Passed); failed=$(sum Failed); skipped=$(sum Skipped)
grep -E "\[SKIP\]|Skipped " "$log" | grep -v "^\s*Skipped: [0-9]" | head -20 || true
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $rc -ne 0 || $failed -ne 0 || $passed -eq 0 ]]; then exit 1; fi
