#!/usr/bin/env bash
# Issue 16 figures for make bench, one "key value" line each (docs/benchmarks.md):
#   backtest.loro.*: `backtest --cv leave-one-run-out` on ../shared/data/run_to_failure (every
#     setting, and the rule that chooses it, chosen on the other runs: nested selection);
#     backtest.loro_lead.*, backtest.loro_conservative.*: the same with --cv-objective lead
#     (the a-priori rule of the second session) and conservative;
#   select.snr_*: `select --snr-db -12` for cortex-m0plus-16k and cortex-m4f-128k, then `eval` of
#     each pick at -12 dB on the windows selection did not use: the worst per-condition AUC.
# Usage: bench_detect.sh [CLI] [WORKDIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=${1:-$root/build/bin/tinymlops}
work=${2:-$root/build/bench/work/detect}
mkdir -p "$work"

"$cli" backtest -q --data "$shared/data/run_to_failure" --cv leave-one-run-out --json \
  --report "$work/backtest_loro.html" > "$work/backtest_loro.json"
s=$(jq .pool.summary "$work/backtest_loro.json")
echo "backtest.loro.caught $(jq .caught <<<"$s")"
echo "backtest.loro.early $(jq .early <<<"$s")"
echo "backtest.loro.median_lead_min $(jq '.median_lead_s / 60 * 10 | round / 10' <<<"$s")"
echo "backtest.loro.false_alarms_per_day $(jq '.false_alarms_per_day * 100 | round / 100' <<<"$s")"
# The a-priori lead rule of the second session (the default until nested selection):
"$cli" backtest -q --data "$shared/data/run_to_failure" --cv leave-one-run-out --cv-objective lead --json \
  > "$work/backtest_loro_lead.json"
s=$(jq .pool.summary "$work/backtest_loro_lead.json")
echo "backtest.loro_lead.caught $(jq .caught <<<"$s")"
echo "backtest.loro_lead.early $(jq .early <<<"$s")"
echo "backtest.loro_lead.median_lead_min $(jq '.median_lead_s / 60 * 10 | round / 10' <<<"$s")"
echo "backtest.loro_lead.false_alarms_per_day $(jq '.false_alarms_per_day * 100 | round / 100' <<<"$s")"
# The conservative rule (added after seeing the lead figures, so not a clean held-out result):
"$cli" backtest -q --data "$shared/data/run_to_failure" --cv leave-one-run-out --cv-objective conservative --json \
  > "$work/backtest_loro_conservative.json"
s=$(jq .pool.summary "$work/backtest_loro_conservative.json")
echo "backtest.loro_conservative.caught $(jq .caught <<<"$s")"
echo "backtest.loro_conservative.early $(jq .early <<<"$s")"
echo "backtest.loro_conservative.median_lead_min $(jq '.median_lead_s / 60 * 10 | round / 10' <<<"$s")"
echo "backtest.loro_conservative.false_alarms_per_day $(jq '.false_alarms_per_day * 100 | round / 100' <<<"$s")"

declare -A target=([m0]=cortex-m0plus-16k [m4]=cortex-m4f-128k)
for t in m0 m4; do
  "$cli" select -q --data "$shared/data/bearing" --target "${target[$t]}" --snr-db -12 \
    -o "$work/select_snr_$t.tmf" --json > "$work/select_snr_$t.json"
  "$cli" eval --model "$work/select_snr_$t.tmf" --data "$shared/data/bearing" --snr-db -12 \
    --json > "$work/eval_snr_$t.json"
  echo "select.snr_$t.min_condition_auc $(jq '.min_condition_auc * 10000 | round / 10000' "$work/eval_snr_$t.json")"
done
