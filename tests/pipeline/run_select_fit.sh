#!/usr/bin/env bash
# run_select_fit.sh TINYMLOPS DATASET BUILD_ROOT WORKDIR
# Issue 7's acceptance on real hardware models: `tinymlops select` for cortex-m0plus-16k and
# cortex-m4f-128k, then each selected file runs under QEMU on the matching core: the M0+ choice in
# place from flash on the micro:bit (Cortex-M0, 16 KB RAM; the runner refuses a model whose arena
# does not fit), the M4F choice on mps2-an386; both must give the host runtime's bytes. Finally
# `tinymlops eval` on DATASET: the M4 choice must be at least as accurate (worst per-condition
# ROC-AUC) as the M0+ choice.
set -euo pipefail
cli=$1 data=$2 build=$3 work=$4
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
declare -A core=([cortex-m0plus-16k]=cortex-m0 [cortex-m4f-128k]=cortex-m4)
declare -A auc
for target in cortex-m0plus-16k cortex-m4f-128k; do
  "$cli" select -q --data "$data" --target "$target" -o "$work/$target.tmf" --json > "$work/$target.json"
  echo "$target: $(jq -r '.selected | "\(.name): RAM \(.ram_bytes) B, flash \(.flash_bytes) B, \(.predicted_latency_ms * 1000 | round / 1000) ms, AUC \(.auc)"' "$work/$target.json") ($(jq '.pareto | length' "$work/$target.json") on the Pareto front, $(jq .seconds "$work/$target.json") s)"
  window=$("$cli" inspect "$work/$target.tmf" --json | jq '.pipeline.window')
  normal=$(awk -F, 'NR > 1 && $2 == "normal" {print $1; exit}' "$data/manifest.csv")
  fault=$(awk -F, 'NR > 1 && $2 == "ball" {print $1; exit}' "$data/manifest.csv")
  # Up to 8 windows of each recording, as many as the runner's 64 KiB input buffer takes
  # (TMF_RUNNER_IO_BYTES, tests/qemu/CMakeLists.txt): 4 each for a 2048-sample window.
  per=$((65536 / (2 * 4 * window)))
  [ "$per" -gt 8 ] && per=8
  : > "$work/$target.windows"
  for f in "$normal" "$fault"; do
    dd if="$data/$f" bs=$((4 * window)) count=$per status=none >> "$work/$target.windows"
  done
  "$cli" run "$work/$target.tmf" --input "$work/$target.windows" --output "$work/$target.host" >/dev/null
  c=${core[$target]}
  if [ "$c" = cortex-m0 ]; then
    "$here/tests/qemu/run_flash_model.sh" "$c" "$build/$c/bin/model_runner_flash.elf" "$work/$target.tmf" \
      "$work/$target.windows" "$work/$target.device" --count "$work/$target.count"
  else
    (cd "$work" && "$here/scripts/qemu-run.sh" "$c" "$build/$c/bin/model_runner.elf" \
      --count "$target.count" -- "$target.tmf" "$target.windows" "$target.device")
  fi
  cmp "$work/$target.device" "$work/$target.host"
  echo "$target: runs on $c under QEMU, outputs equal the host runtime's"
  auc[$target]=$("$cli" eval --model "$work/$target.tmf" --data "$data" --json | jq '[.per_condition[].auc] | min')
done
echo "worst per-condition AUC on $data: M0+ choice ${auc[cortex-m0plus-16k]}, M4F choice ${auc[cortex-m4f-128k]}"
jq -e -n "${auc[cortex-m4f-128k]} >= ${auc[cortex-m0plus-16k]}" >/dev/null
