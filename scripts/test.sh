#!/usr/bin/env bash
# The project's test command (the README's second command calls this after install).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build MathNas.sln -c Release --nologo -v quiet -clp:"ErrorsOnly;NoSummary"
dotnet test MathNas.sln -c Release --no-build --nologo -v quiet --logger "console;verbosity=normal" 2>&1 | tee /tmp/mathnas-test.log
