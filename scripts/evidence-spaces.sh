#!/usr/bin/env bash
# Regenerates the per-space search evidence with the `mathnas` CLI (needs the shared data and jq):
#  - the size of every built-in space (valid networks under its consistency constraints, `mathnas spaces`);
#  - the reference project's tables converted by `mathnas reference export` (corrected model), and for the
#    SuperTransformer also the latency tables fitted on HAT's measured networks (`mathnas latency-model`);
#  - an exact search (`mathnas search --repeat N`) per space / device / table source / accuracy model for three budgets:
#    proven status, median in-process solve time, predicted metrics, and the written native config
#    (OFA ks/e/d, NASViT, HAT *-subtransformer keys, NB201 arch string);
#  - the SuperTransformer latency-model table (held-out quality per device).
# Usage: scripts/evidence-spaces.sh [REPEATS]   (default 21 solves per search)
# Output: out/spaces/ (git-ignored): tables/*.json, configs/*.yml, results.jsonl, latency-*.json/png, evidence.md;
# the Markdown is also printed on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v jq >/dev/null || { echo "error: jq is required" >&2; exit 2; }
repeats="${1:-21}"
M=./mathnas
out=out/spaces
rm -rf "$out"
mkdir -p "$out/tables" "$out/configs"
results="$out/results.jsonl"
: >"$results"

# ---- tables ----
echo "exporting the reference tables ..." >&2
for d in raspberrypi tx2cpu; do $M reference export -s mobilenetv3-blocks-cpu -d "$d" -o "$out/tables/mobilenetv3-$d.json" >&2; done
$M reference export -s mobilenetv3-blocks-gpu -d tx2gpu -o "$out/tables/mobilenetv3-tx2gpu.json" >&2
$M reference export -s supervit-192 -o "$out/tables/supervit-192.json" >&2
for d in edgegpu fpga; do $M reference export -s nasbench201 -d "$d" -o "$out/tables/nasbench201-$d.json" >&2; done
for d in raspberrypi xeon titanxp; do
  $M reference export -s supertransformer -d "$d" -o "$out/tables/supertransformer-$d-reference.json" >&2
  # HAT-fitted latency: the reference accuracy table plus latency:DEV from the rich regression (seed 0, 80% split)
  cp "$out/tables/supertransformer-$d-reference.json" "$out/tables/supertransformer-$d-hat.json"
  $M latency-model -d "$d" --seed 0 --train-fraction 0.8 --plot "$out/latency-$d.png" --out "$out/tables/supertransformer-$d-hat.json" --json >"$out/latency-$d.json"
done

# ---- searches ----
# search SPACE TABLES SOURCE-LABEL METRIC BUDGET MODEL
search() {
  local space=$1 tables=$2 label=$3 metric=$4 budget=$5 model=$6
  local name="${space}_${label}_${metric//:/-}-${budget}_${model}"
  local cfg="$out/configs/$name.yml"
  echo "search $name ..." >&2
  local json
  json=$($M search -s "$space" -t "$tables" --max "$metric=$budget" --accuracy-model "$model" --repeat "$repeats" --out "$cfg" --json) || true
  if [[ -z "$json" ]]; then json=$(jq -n --arg s "$space" '{space: $s, status: "error"}'); fi
  local reload="-"
  if [[ -f "$cfg" ]]; then
    # the written config, read back by `mathnas config`, must give the searched code
    local back want
    back=$($M config -s "$space" --arch "$cfg" --json | jq -c '.code')
    want=$(jq -c '.code' <<<"$json")
    if [[ "$back" == "$want" ]]; then reload="yes"; else reload="NO ($back vs $want)"; fi
  else cfg=""; fi
  jq -c --arg lab "$label" --arg metric "$metric" --arg budget "$budget" --arg cfg "$cfg" --arg model "$model" --arg reload "$reload" \
    '{space, label: $lab, metric: $metric, budget: ($budget | tonumber), model: $model, status, solve_ms_median, repeats, code, predicted, config: $cfg, reload: $reload}' \
    <<<"$json" >>"$results"
}

for model in linear flops-scaled; do
  for b in 5000 6000 7000; do search nasbench201 "$out/tables/nasbench201-edgegpu.json" edgegpu latency:edgegpu $b $model; done
  for b in 1000 1800 2600; do search nasbench201 "$out/tables/nasbench201-fpga.json" fpga latency:fpga $b $model; done
  for b in 1000 1400 1800; do search mobilenetv3-blocks-cpu "$out/tables/mobilenetv3-raspberrypi.json" raspberrypi latency:raspberrypi $b $model; done
  for b in 400 550 700; do search mobilenetv3-blocks-cpu "$out/tables/mobilenetv3-tx2cpu.json" tx2cpu latency:tx2cpu $b $model; done
  for b in 40 50 60; do search mobilenetv3-blocks-gpu "$out/tables/mobilenetv3-tx2gpu.json" tx2gpu latency:tx2gpu $b $model; done
  for b in 250 350 450; do search supervit-192 "$out/tables/supervit-192.json" reference flops $b $model; done
  for src in reference hat; do
    for b in 3200 4700 6500; do search supertransformer "$out/tables/supertransformer-raspberrypi-$src.json" "raspberrypi-$src" latency:raspberrypi $b $model; done
    for b in 136 272 336; do search supertransformer "$out/tables/supertransformer-xeon-$src.json" "xeon-$src" latency:xeon $b $model; done
    for b in 68 107 189; do search supertransformer "$out/tables/supertransformer-titanxp-$src.json" "titanxp-$src" latency:titanxp $b $model; done
  done
done

# ---- Markdown ----
$M spaces --json >"$out/spaces.json"
md="$out/evidence.md"
{
  echo "## Spaces"
  echo
  echo "| space | nodes | blocks | valid networks | before constraints |"
  echo "|---|---|---|---|---|"
  jq -r '.spaces[] | "| \(.name) | \(.nodes) | \(.blocks) | \(.valid_networks // "not computed") | \(if .constraints > 0 then .size else "(no constraints)" end) |"' "$out/spaces.json"
  for space in nasbench201 mobilenetv3-blocks-cpu mobilenetv3-blocks-gpu supervit-192 supertransformer; do
    valid=$(jq -r --arg s "$space" '.spaces[] | select(.name == $s) | .valid_networks' "$out/spaces.json")
    echo
    echo "## $space ($valid valid networks)"
    echo
    echo "Configs under \`$out/configs/\`."
    echo
    echo "| tables | accuracy model | budget | status | median solve ms (n) | pred. accuracy | pred. budget metric | FLOPs (M) | params (M) | code | config (reads back) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    jq -r --arg s "$space" 'select(.space == $s) |
      def r(x; n): if x == null then "-" else ((x * pow(10; n) | round) / pow(10; n) | tostring) end;
      "| \(.label) | \(.model) | \(.metric) <= \(.budget) | \(.status) | \(r(.solve_ms_median; 3)) (\(.repeats // "-")) | \(r(.predicted.accuracy; 3)) | \(r(.predicted[.metric]; 2)) | \(r(.predicted.flops; 1)) | \(r(.predicted.params; 2)) | \(if .code == null then "-" else (.code | map(tostring) | join(",")) end) | \(if .config == "" then "-" else "`" + (.config | split("/") | last) + "` (" + .reload + ")" end) |"' "$results"
  done
  echo
  echo "## SuperTransformer latency models (HAT measured networks, held-out 20%, seed 0)"
  echo
  echo "| device | model | n | Spearman | Kendall | MAPE % | within 10% | plot |"
  echo "|---|---|---|---|---|---|---|---|"
  for d in raspberrypi xeon titanxp; do
    jq -r --arg d "$d" --arg plot "$out/latency-$d.png" '
      def r(x; n): ((x * pow(10; n) | round) / pow(10; n) | tostring);
      (.models[] | "| \($d) | \(.model) | \(.test.count) | \(r(.test.spearman; 4)) | \(r(.test.kendall; 4)) | \(r(.test.mape_percent; 2)) | \(r(.test.within_10_percent * 100; 1))% | `\($plot)` |"),
      (.quadratic_reference | "| \($d) | quadratic (reference, not a table) | \(.count) | \(r(.spearman; 4)) | \(r(.kendall; 4)) | \(r(.mape_percent; 2)) | \(r(.within_10_percent * 100; 1))% | |")' "$out/latency-$d.json"
  done
} >"$md"
cat "$md"
echo "written: $md" >&2
