#!/usr/bin/env bash
# Regenerates the NAS-Bench-201 search audit evidence (issues 2 and 5) with `mathnas audit`:
# nine latency budgets at the 10th..90th percentile of each device's true latencies; per method the evaluations,
# Spearman of its accuracy and latency predictions over all 15,625 networks, budget violations, median and worst regret;
# random search and regularised evolution get the same number of evaluations in the same run (median of 5 seeds).
# Randomised methods run with 5 seeds (--method-seeds 5): medians, violations summed over all runs, worst of all runs.
# Usage: scripts/evidence-audit.sh [BENCHMARK_DIR]   (default: $MATHNAS_DATA/nasbench201 or ../shared/data/nasbench201)
# Output: out/audit/evidence.md, out/audit/evidence.tsv, out/audit/regret-DEVICE.png, raw JSON per run; progress on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == -* ]]; then sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
bench_args=()
if [[ $# -ge 1 ]]; then bench_args=(--benchmark "$1"); fi
out=out/audit
mkdir -p "$out"
mathnas=./mathnas
"$mathnas" --help > /dev/null  # builds once (Release) if needed

devices=(fpga pixel3 raspi4 gold_6226)
others=(eyeriss titanxp_1 samsung_a50 2080ti_1)
# label|arguments
methods=(
  "paper: single-sample tables, open loop|-e single"
  "paper: single-sample, flops-scaled, open loop|-e single --accuracy-model flops-scaled"
  "paper: single-sample, closed loop|-e single --closed-loop"
  "paper tables by regression:200, closed loop|-e regression:200 --closed-loop --method-seeds 5"
  "pairwise:200 + cell structure + 2σ latency margin, open loop|-e pairwise:200 --method-seeds 5"
  "pairwise:781 (5% of the space), open loop|-e pairwise:781 --method-seeds 5"
  "guided:200 without pairwise terms|-e guided-additive:200 --method-seeds 5"
  "guided:200 without cell structure|-e guided-nostructure:200 --method-seeds 5"
  "guided:200 (improved method)|-e guided:200 --method-seeds 5"
)

field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" <<< "$2" | head -n 1; }
fmt() { [[ "$1" == "NaN" || -z "$1" || "$1" == "null" ]] && echo "-" || printf "%.3f" "$1"; }
num() { [[ -z "$1" || "$1" == "null" ]] && echo "-" || printf "%g" "$1"; }

tsv="$out/evidence.tsv"
printf "device\tmethod\tevaluations\taccuracy_spearman\tlatency_spearman\tviolations\ttotal_violations\tmethod_runs\tmedian_regret\tworst_regret\trandom_median_regret\tevolution_median_regret\trandom_violations\tevolution_violations\tunanswered\n" > "$tsv"
run() {  # device label args...
  local d=$1 label=$2; shift 2
  echo "audit $d: $label ..." >&2
  local j
  j=$("$mathnas" audit --space nasbench201 ${bench_args[@]+"${bench_args[@]}"} --device "$d" "$@" --json)
  echo "$j" > "$out/audit-$d-$(echo "$label" | tr -c 'a-zA-Z0-9\n' '_' | cut -c1-60).json"
  printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$d" "$label" "$(field evaluations "$j")" \
    "$(field accuracy_spearman "$j")" "$(field latency_spearman "$j")" "$(field violations "$j")" "$(field total_violations "$j")" \
    "$(field method_seeds "$j")" "$(field median_regret "$j")" "$(field worst_regret "$j")" \
    "$(field random_median_regret "$j")" "$(field evolution_median_regret "$j")" \
    "$(field random_violations "$j")" "$(field evolution_violations "$j")" "$(field unanswered "$j")" >> "$tsv"
}
for d in "${devices[@]}"; do
  for m in "${methods[@]}"; do
    # shellcheck disable=SC2086
    run "$d" "${m%%|*}" ${m#*|}
  done
  echo "plot $d ..." >&2
  "$mathnas" audit --space nasbench201 ${bench_args[@]+"${bench_args[@]}"} --device "$d" -e guided:200 --method-seeds 5 \
    --plot "$out/regret-$d.png" > /dev/null
done
for d in "${others[@]}"; do
  run "$d" "paper: single-sample tables, open loop" -e single
  run "$d" "guided:200 (improved method)" -e guided:200 --method-seeds 5
done

md="$out/evidence.md"
{
  for d in "${devices[@]}" "${others[@]}"; do
    printf "\n#### %s\n\n" "$d"
    printf "| method | evals | acc Spearman | lat Spearman | violations (of 9) | median regret | worst regret | random search, same evals | regularised evolution, same evals |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    while IFS=$'\t' read -r dev label ev sa sl v tv runs med worst rmed emed rv evv na; do
      [[ "$dev" == "$d" ]] || continue
      viol=$(num "$v"); [[ "$runs" != "1" ]] && viol="$(num "$v") (total $tv in $runs runs)"
      worstcell=$(fmt "$worst"); [[ -n "$na" && "$na" != "0" ]] && worstcell="$worstcell ($na budget(s) unanswered: scored best - worst feasible)"
      printf "| %s | %s | %s | %s | %s | %s | %s | %s (viol. %s) | %s (viol. %s) |\n" "$label" "$ev" "$(fmt "$sa")" "$(fmt "$sl")" "$viol" \
        "$(fmt "$med")" "$worstcell" "$(fmt "$rmed")" "$(num "$rv")" "$(fmt "$emed")" "$(num "$evv")"
    done < <(tail -n +2 "$tsv")
  done
} > "$md"
cat "$md"
