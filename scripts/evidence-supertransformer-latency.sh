#!/usr/bin/env bash
# Regenerates the SuperTransformer latency-model evidence with the `mathnas` CLI: for each of HAT's three measured
# devices, fit the block and rich regressions on a seeded 80% split, report held-out Spearman, Kendall tau-b, MAPE and
# share within 10%, draw predicted vs measured, and collect the three latency tables in one TableSet.
# Usage: scripts/evidence-supertransformer-latency.sh [HAT_LATENCY_DIR]   (default: the shared data's hat-latency/)
# Output: out/supertransformer/latency-tables.json, latency-<device>.png, latency-<device>.txt (git-ignored out/).
set -euo pipefail
cd "$(dirname "$0")/.."
data_args=()
if [[ $# -ge 1 ]]; then data_args=(--data "$1"); fi
out=out/supertransformer
mkdir -p "$out"
rm -f "$out/latency-tables.json"
mathnas=./mathnas
for device in raspberrypi xeon titanxp; do
  echo "fitting $device ..." >&2
  "$mathnas" latency-model ${data_args[@]+"${data_args[@]}"} --device "$device" --seed 0 --train-fraction 0.8 \
    --plot "$out/latency-$device.png" --out "$out/latency-tables.json" | tee "$out/latency-$device.txt"
done
echo "tables: $out/latency-tables.json" >&2
