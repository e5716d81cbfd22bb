#!/usr/bin/env bash
# Regenerates the dynamic-runtime evidence (METHOD.md section 5, issue 6) with the `mathnas` CLI, on this machine:
#  1. a small ofa-mini supernet trained on Fashion-MNIST by `mathnas pipeline --preset tiny` (its accuracy table);
#  2. `mathnas run`: the latency table measured at start-up (Algorithm 1, min of repeats, batch 8), the Pareto-optimal
#     blocks loaded (K = 5), then the live network under the load profile 0:6s,1:6s,2:6s,0:6s, once with a wide band
#     and once with a narrow one. Writes out/dynamic/run-*.json (re-solve and switch medians, rebuild median, switches,
#     per-step return to band) and out/dynamic/timeline-*.png.
# Usage: scripts/evidence-dynamic.sh [FASHION_MNIST_DIR]   (~3 min on 2 cores; out/ is git-ignored)
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/dynamic
mkdir -p "$out"
mathnas=./mathnas
data_args=()
if [[ $# -ge 1 ]]; then data_args=(--data "$1"); fi
"$mathnas" --help > /dev/null  # builds once (Release) if needed

if [[ ! -f "$out/pipeline/ofa-mini/ofa-mini.tables.json" ]]; then
  "$mathnas" pipeline --space ofa-mini --preset tiny --out "$out/pipeline" ${data_args[@]+"${data_args[@]}"} >&2
fi
common=(--space ofa-mini --supernet "$out/pipeline/ofa-mini/supernet" --batch 8 --max-blocks 5
        --load-profile 0:6s,1:6s,2:6s,0:6s)
"$mathnas" run "${common[@]}" --tables "$out/pipeline/ofa-mini/ofa-mini.tables.json" --measure-latency \
  --save-latency "$out/ofa-mini.tables.json" --band 2:12 --plot "$out/timeline-wide.png" --json > "$out/run-wide.json"
"$mathnas" run "${common[@]}" --tables "$out/ofa-mini.tables.json" --band 2.5:5 --plot "$out/timeline-narrow.png" --json > "$out/run-narrow.json"
for f in "$out"/run-*.json; do
  echo "== $f"
  grep -E '"(resolve_median_ms|resolve_bench_median_ms|switch_median_ms|compare_switch_median_ms|rebuild_median_ms|switch_speedup|switch_count|all_steps_returned)"' "$f"
done
