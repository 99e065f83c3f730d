#!/usr/bin/env bash
# run_fuzz.sh FUZZER SEED_CORPUS WORK_DIR: a bounded libFuzzer run (TMF_FUZZ_SECONDS, default
# 60) on a scratch copy of the committed seed corpus. Exits non-zero on any crash or leak.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3
seconds=${TMF_FUZZ_SECONDS:-60}
[ -x "$fuzzer" ] || { echo "run_fuzz: $fuzzer not built (cmake --preset fuzz && cmake --build --preset fuzz)"; exit 1; }
rm -rf "$work" && mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
# Lowest CPU priority: a fuzzer fills idle cycles for its fixed time and must not starve the
# timing-bound tests (QEMU devices, the closed loop) that make test runs beside it.
nice -n 19 "$fuzzer" "$work/corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=1048576 -artifact_prefix="$work/artifacts/" -print_final_stats=1 2>"$work/log" || {
  tail -40 "$work/log"; exit 1; }
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/log" || true
echo "$(basename "$fuzzer"): no crash in ${seconds}s over $(ls "$work/corpus" | wc -l) corpus files"
