#!/usr/bin/env bash
# run_backtest_cv_check.sh TINYMLOPS DATASET WORKDIR
# `tinymlops backtest --cv leave-one-run-out --json` on a run-to-failure folder (issue 16): one
# held-out verdict per run of the manifest, each setting chosen on all the other runs and never on
# its own (and, under the default nested selection, the rule that chose it), device thresholds for
# exactly the voting detectors, summaries that add up from the runs,
# an HTML report saying what was chosen on which runs, and the same JSON on a second replay.
set -euo pipefail
cli=$1 data=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$cli" backtest -q --data "$data" --cv leave-one-run-out --json --report "$work/loro.html" > "$work/a.json"
"$cli" backtest -q --data "$data" --cv leave-one-run-out --json > "$work/b.json"
runs=$(awk -F, 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "bearing") c = i} NR > 1 {print $c}' "$data/manifest.csv" | sort -u | wc -l)
jq -e --argjson n "$runs" '.pool.runs | length == $n' "$work/a.json" >/dev/null
jq -e --argjson n "$runs" '[.pool.runs | to_entries[] | .key as $k | .value.setting.chosen_on
  | (length == $n - 1) and (index($k) == null)] | all' "$work/a.json" >/dev/null
jq -e '[.pool.runs[] | (.device_thresholds | keys | sort) == (.setting.detectors | sort)] | all' "$work/a.json" >/dev/null
jq -e '[.pool.runs[] | .lead_s == null or (.lead_s > 0 and .first_alarm_s != null)] | all' "$work/a.json" >/dev/null
jq -e '.pool.summary.caught == ([.pool.runs[] | select(.lead_s != null)] | length)' "$work/a.json" >/dev/null
jq -e '.pool.summary.early == ([.pool.runs[] | select(.alarms_in_first_half > 0)] | length)' "$work/a.json" >/dev/null
jq -e --argjson n "$runs" '(.vote_of_members.runs | length == $n) and .vote_of_members.summary.runs == $n' "$work/a.json" >/dev/null
jq -e '[.members[] | [.runs[] | (.setting.detectors | length) == 1 and .setting.vote_k == 1] | all] | all' "$work/a.json" >/dev/null
# Nested selection, the default: every fold names the candidate rule its inner leave-one-out
# picked (one of the a-priori list) and that rule's inner score over the other runs.
jq -e '.objective == "nested"' "$work/a.json" >/dev/null
jq -e --argjson n "$runs" '.fixed_a_priori.grid.nested_candidates as $c | [.pool.runs[], .members[].runs[]
  | .setting.procedure as $p | ($c | index([{rule: $p.rule, guard: $p.guard}]) != null)
    and ($p.inner.caught <= $n - 1) and ($p.inner.early <= $n - 1)] | all' "$work/a.json" >/dev/null
cmp <(jq -S 'del(.seconds, .report)' "$work/a.json") <(jq -S 'del(.seconds, .report)' "$work/b.json")
grep -q "<svg" "$work/loro.html"
grep -q "chosen on" "$work/loro.html"
jq -c .pool.summary "$work/a.json"
