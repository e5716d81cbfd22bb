#!/usr/bin/env bash
# Regenerates the built-in default tables (tables/nb201-mini.json, tables/ofa-mini.json) on this machine with the
# real pipeline (TorchSharp, Fashion-MNIST): trains both supernets, measures latency on this CPU, builds and
# validates the tables, searches, exports the chosen networks and checks them. About 30 minutes on 2 idle cores.
# Checkpoints go to out/pipeline/; a killed run started again resumes training after the last finished epoch.
# Extra options are passed on (e.g. --space nb201-mini, --seed 2); see ./mathnas pipeline --help.
set -euo pipefail
cd "$(dirname "$0")/.."
./mathnas pipeline --preset full --out out/pipeline --tables-dir tables "$@"
mkdir -p docs/pipeline
for d in out/pipeline/*/; do
  s=$(basename "$d")
  [[ -f "$d/report.json" ]] || continue
  cp "$d/report.json" "tables/$s.report.json"
  for f in "$d"/*.png; do cp "$f" "docs/pipeline/$s-$(basename "$f")"; done
done
echo "tables/ and docs/pipeline/ updated; see tables/README.md for how to read them" >&2
