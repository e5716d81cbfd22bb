#!/usr/bin/env bash
# Regenerates the NAS-Bench-201 prediction-quality evidence with the `mathnas` CLI:
# for each estimator, estimate block tables from the NB201 ground truth (tables go to out/nb201/, git-ignored),
# then validate them against every network of the benchmark: Spearman and Kendall tau-b for CIFAR-10 accuracy
# (both accuracy models) and for the latency of every device; plus a row for the reference project's own tables.
# Usage: scripts/evidence-nb201.sh [BENCHMARK_DIR]   (default: $MATHNAS_DATA/nasbench201 or ../shared/data/nasbench201)
# Output: out/nb201/evidence.md (markdown table) and out/nb201/evidence.tsv; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bench_args=()
if [[ $# -ge 1 ]]; then bench_args=(--benchmark "$1"); fi
out=out/nb201
mkdir -p "$out"
mathnas=./mathnas
"$mathnas" --help > /dev/null  # builds once (Release) if needed

estimators=(single sampled:5 sampled:20 sampled:100 full regression:200 regression:781 regression:3125)
devices=(fpga eyeriss pixel3 raspi4 titanxp_1 gold_6226 samsung_a50 2080ti_1)
seed=0

# Reads one top-level field of the CLI's indented JSON output.
field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" <<< "$2" | head -n 1; }
fmt() { [[ "$1" == "NaN" || -z "$1" ]] && echo "-" || printf "%.3f" "$1"; }

tsv="$out/evidence.tsv"
printf "estimator\tevaluations\tmetric\taccuracy_model\tspearman\tkendall\n" > "$tsv"
for est in "${estimators[@]}"; do
  tables="$out/tables-${est/:/-}.json"
  echo "estimating $est ..." >&2
  "$mathnas" estimate --space nasbench201 --evaluator nasbench201-benchmark ${bench_args[@]+"${bench_args[@]}"} \
    --estimator "$est" --seed "$seed" --out "$tables" --json > "$out/estimate-${est/:/-}.json" 2> "$out/estimate-${est/:/-}.log" \
    || { cat "$out/estimate-${est/:/-}.log" >&2; exit 2; }
  runs=("accuracy linear" "accuracy flops-scaled")
  for d in "${devices[@]}"; do runs+=("latency:$d linear"); done
  for run in "${runs[@]}"; do
    read -r metric model <<< "$run"
    j=$("$mathnas" validate --space nasbench201 --tables "$tables" ${bench_args[@]+"${bench_args[@]}"} --metric "$metric" --accuracy-model "$model" --json)
    printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$est" "$(field evaluations "$j")" "$metric" "$model" "$(field spearman "$j")" "$(field kendall "$j")" >> "$tsv"
  done
done

# The reference project's own NB201 tables (only FPGA among these devices: its other table is edgegpu).
echo "exporting the reference project's tables ..." >&2
"$mathnas" reference export --space nasbench201 --device fpga --out "$out/tables-reference.json" > "$out/reference-export.log" 2>&1 \
  || { cat "$out/reference-export.log" >&2; exit 2; }
for run in "accuracy linear" "accuracy flops-scaled" "latency:fpga linear"; do
  read -r metric model <<< "$run"
  j=$("$mathnas" validate --space nasbench201 --tables "$out/tables-reference.json" ${bench_args[@]+"${bench_args[@]}"} --metric "$metric" --accuracy-model "$model" --json)
  ev=$(field evaluations "$j"); [[ "$ev" == "0" ]] && ev="-"  # the reference does not record how many networks it evaluated
  printf "%s\t%s\t%s\t%s\t%s\t%s\n" "reference" "$ev" "$metric" "$model" "$(field spearman "$j")" "$(field kendall "$j")" >> "$tsv"
done

# Scatter plots (predicted vs true) for the paper's estimator and the exact one.
for est in single full; do
  for model in linear flops-scaled; do
    "$mathnas" validate --space nasbench201 --tables "$out/tables-$est.json" ${bench_args[@]+"${bench_args[@]}"} --metric accuracy \
      --accuracy-model "$model" --plot "$out/scatter-$est-accuracy-$model.png" > /dev/null
  done
  "$mathnas" validate --space nasbench201 --tables "$out/tables-$est.json" ${bench_args[@]+"${bench_args[@]}"} --metric latency:pixel3 \
    --plot "$out/scatter-$est-latency-pixel3.png" > /dev/null
done

# Markdown: one row per estimator, Spearman / Kendall per metric.
md="$out/evidence.md"
{
  printf "| estimator | evals | acc linear | acc flops-scaled |"
  for d in "${devices[@]}"; do printf " %s |" "$d"; done
  printf "\n|---|---|---|---|"
  for d in "${devices[@]}"; do printf -- "---|"; done
  printf "\n"
  for est in "${estimators[@]}" reference; do
    evals=$(awk -F'\t' -v e="$est" '$1==e {print $2; exit}' "$tsv")
    printf "| %s | %s |" "$est" "$evals"
    cells=("accuracy linear" "accuracy flops-scaled")
    for d in "${devices[@]}"; do cells+=("latency:$d linear"); done
    for c in "${cells[@]}"; do
      read -r metric model <<< "$c"
      sp=$(awk -F'\t' -v e="$est" -v m="$metric" -v a="$model" '$1==e && $3==m && $4==a {print $5}' "$tsv")
      kt=$(awk -F'\t' -v e="$est" -v m="$metric" -v a="$model" '$1==e && $3==m && $4==a {print $6}' "$tsv")
      if awk -F'\t' -v e="$est" -v m="$metric" -v a="$model" '$1==e && $3==m && $4==a {f=1} END {exit !f}' "$tsv"; then
        printf " %s / %s |" "$(fmt "$sp")" "$(fmt "$kt")"
      else
        printf " - |"  # no table for this metric (the reference has latency tables for FPGA only here)
      fi
    done
    printf "\n"
  done
  printf "\nCells: Spearman / Kendall tau-b over all 15,625 networks (CIFAR-10 test accuracy at 200 epochs; latency per device).\n"
  printf '%s\n' "reference: the reference project's own NB201 tables (\`mathnas reference export --space nasbench201 --device fpga\`); it has no tables for the other devices (-)."
  printf "Seed %s for the random estimators. Regenerate: scripts/evidence-nb201.sh\n" "$seed"
} > "$md"
cat "$md"
