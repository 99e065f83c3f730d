#!/usr/bin/env bash
# run_flash_pipeline.sh CORE RUNNER_FLASH_ELF TINYMLOPS DATASET WORKDIR [WINDOW BANDS DETECTOR]
# Trains a whole pipeline model (tinymlops train, default window=256,bands=16, kmeans) on DATASET,
# cuts 20 raw float32 windows from its healthy and 20 from an inner-race recording, runs them with
# the host runtime and in place from flash under QEMU on CORE, and requires identical output bytes
# (float32 score + int8 decision per window). Prints the mean instruction count per window.
set -euo pipefail
core=$1 runner=$2 cli=$3 data=$4 work=$5 window=${6:-256} bands=${7:-16} detector=${8:-kmeans}
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
"$cli" train -q --data "$data" -o "$work/model.tmf" --features "window=$window,bands=$bands" \
  --detector "$detector" >/dev/null
bytes=$((window * 4))
for recording in cwru_de12k_normal_000_0hp_parta cwru_de12k_inner_race_007_1hp; do
  dd if="$data/$recording.f32" bs="$bytes" count=20 status=none >>"$work/windows.bin"
done
[[ $(stat -c %s "$work/windows.bin") -eq $((40 * bytes)) ]] || { echo "recordings too short"; exit 1; }
"$cli" run "$work/model.tmf" --input "$work/windows.bin" --output "$work/host.bin" >/dev/null
"$here/tests/qemu/run_flash_model.sh" "$core" "$runner" "$work/model.tmf" "$work/windows.bin" \
  "$work/device.bin" --count "$work/count.txt"
what="$detector pipeline (window $window, $bands bands, $(stat -c %s "$work/model.tmf") B) on $core from flash"
if ! cmp -s "$work/device.bin" "$work/host.bin"; then
  echo "$what: OUTPUTS DIFFER from the host runtime's"
  cmp "$work/device.bin" "$work/host.bin" || true
  exit 1
fi
mean=$(awk '{ s += $4; n++ } END { if (n) printf "%.0f", s / n }' "$work/count.txt")
echo "$what: 40 windows equal the host runtime's bit for bit, $mean instructions per window"
