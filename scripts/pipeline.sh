#!/usr/bin/env bash
# Regenerates the built-in default tables (tables/nb201-mini.json, tables/ofa-mini.json) on this machine with the
# real pipeline (TorchSharp, Fashion-MNIST): trains both supernets, measures latency on this CPU, builds and
# validates the tables, searches, exports the chosen networks and checks them. About 30 minutes on 2 idle cores.
# Checkpoints go to out/pipeline/; a killed run started again resumes training after the last finished epoch.
# Latency tables use the fastest of each network's timed runs (--latency-statistic min: on a machine shared with
# other work it is the statistic least moved by that work; the median is reported beside it). ofa-mini's latency
# table is Algorithm 1's; nb201-mini's latency is far from additive around the average-FLOPs network (an edge whose
# inputs are all `none` costs nothing), so its table is fitted by regression on 200 measured networks instead
# (Algorithm 1's figures are in tables/README.md). Accuracy tables: Algorithm 1 for both.
# Extra options are passed on to both runs (e.g. --seed 2); see ./mathnas pipeline --help.
set -euo pipefail
cd "$(dirname "$0")/.."
./mathnas pipeline --preset full --space ofa-mini --latency-statistic min --out out/pipeline --tables-dir tables "$@"
./mathnas pipeline --preset full --space nb201-mini --latency-statistic min --latency-estimator regression:200 --out out/pipeline --tables-dir tables "$@"
mkdir -p docs/pipeline
for d in out/pipeline/*/; do
  s=$(basename "$d")
  [[ -f "$d/report.json" ]] || continue
  cp "$d/report.json" "tables/$s.report.json"
  for f in "$d"/*.png; do cp "$f" "docs/pipeline/$s-$(basename "$f")"; done
done
echo "tables/ and docs/pipeline/ updated; see tables/README.md for how to read them" >&2
