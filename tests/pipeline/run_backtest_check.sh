#!/usr/bin/env bash
# run_backtest_check.sh TINYMLOPS DATASET WORKDIR
# `tinymlops backtest --json` on a run-to-failure folder: every run of the manifest is reported
# with its end, an alarm (if any) after its commissioning and before its end, the pool never
# raising more first-half alarms than the best detector alone, an HTML report, and the same JSON
# on a second replay (the device loop is deterministic).
set -euo pipefail
cli=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$cli" backtest -q --data "$data" --json --report "$work/backtest.html" > "$work/a.json"
"$cli" backtest -q --data "$data" --json > "$work/b.json"
runs=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "bearing") c = i} NR > 1 {print $c}' "$data/manifest.csv" | sort -u | wc -l)
jq -e --argjson n "$runs" '.runs | length == $n' "$work/a.json" >/dev/null
jq -e '[.runs[] | .run_end_s > 0 and (.first_alarm_s == null or (.first_alarm_s > 0 and .first_alarm_s <= .run_end_s))] | all' "$work/a.json" >/dev/null
jq -e '.summary.pool_alarms_in_first_halves <= .summary.best_single_alarms_in_first_halves' "$work/a.json" >/dev/null
cmp <(jq -S 'del(.summary.seconds, .report)' "$work/a.json") <(jq -S 'del(.summary.seconds, .report)' "$work/b.json")
grep -q "<svg" "$work/backtest.html"
jq -r '.runs | to_entries[] | "\(.key): end \(.value.run_end_s) s, first alarm \(.value.first_alarm_s) s, first-half alarms \(.value.alarms_in_first_half)"' "$work/a.json"
jq -c .summary "$work/a.json"
