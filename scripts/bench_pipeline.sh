#!/usr/bin/env bash
# The ML pipeline's benchmark figures (issue 4), called by scripts/bench.sh; prints "key value"
# lines on stdout:
#   pipeline.train_seconds                    train + quantize + convert of the default pipeline
#                                             on ../shared/data/bearing (wall time, this machine)
#   pipeline.<core>.instructions_per_window   one window (DSP + detector + score + decision),
#                                             QEMU instruction count, mean over 8 windows
#   pipeline.ram_bytes                        the arena: input window, DSP work buffer, activations
#   pipeline.flash_bytes                      model file + runtime code for the pipeline's op set
#   pipeline.model_bytes, pipeline.auc, pipeline.min_condition_auc, pipeline.auc_loss_int8
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$root/build/bin/tinymlops
work=$root/build/bench/work/pipeline
cores=(${TMF_BENCH_CORES:-cortex-m3 cortex-m4 cortex-m7 cortex-m33})
rm -rf "$work" && mkdir -p "$work"

start=$(date +%s.%N)
"$cli" train --data "$shared/data/bearing" -o "$work/model.tmf" --json --quiet > "$work/train.json"
end=$(date +%s.%N)
echo "pipeline.train_seconds $(jq -n "($end - $start) * 100 | round / 100")"
echo "pipeline.auc $(jq '.int8.auc' "$work/train.json")"
echo "pipeline.min_condition_auc $(jq '[.int8.per_condition[].auc] | min' "$work/train.json")"
echo "pipeline.auc_loss_int8 $(jq '.auc_loss_int8' "$work/train.json")"

info=$("$cli" inspect "$work/model.tmf" --json)
window=$(jq '.pipeline.window' <<<"$info")
echo "pipeline.model_bytes $(jq .file_bytes <<<"$info")"
echo "pipeline.ram_bytes $(jq .arena_bytes <<<"$info")"

# 8 raw windows from the end of the healthy recording and of one fault recording.
normal=$(awk -F, 'NR > 1 && $2 == "normal" {print $1; exit}' "$shared/data/bearing/manifest.csv")
fault=$(awk -F, 'NR > 1 && $2 == "ball" {print $1; exit}' "$shared/data/bearing/manifest.csv")
: > "$work/windows.bin"
for f in "$normal" "$fault"; do
  blocks=$(( $(stat -c %s "$shared/data/bearing/$f") / (4 * window) ))
  dd if="$shared/data/bearing/$f" bs=$((4 * window)) skip=$((blocks - 4)) count=4 status=none >> "$work/windows.bin"
done
for core in "${cores[@]}"; do
  (cd "$work" && "$root/scripts/qemu-run.sh" "$core" "$root/build/$core/bin/model_runner.elf" \
     --count "counts_$core.txt" -- model.tmf windows.bin "out_$core.bin" >/dev/null)
  echo "pipeline.$core.instructions_per_window $(awk '/^region [0-9]+ instructions/ {s += $4; n++} END {printf "%d", s / n}' "$work/counts_$core.txt")"
done
# Runtime code for the op set: the runtime library, the DSP library its DSP_FEATURES calls and
# the libm functions they use (sqrtf), counted as the cost model counts them (docs/select.md).
map=$root/build/cortex-m4/bin/size_pipeline.map
runtime=0
for lib in libtmf_runtime_pipeline.a libtmf_dsp.a libm.a; do
  runtime=$(( runtime + $("$root/scripts/map-bytes.sh" "$map" "$lib") ))
done
echo "pipeline.runtime_flash_bytes $runtime"
echo "pipeline.flash_bytes $(( $(jq .file_bytes <<<"$info") + runtime ))"
# What `tinymlops inspect` shows for the same file (cost-model predictions).
echo "pipeline.inspect_flash_bytes $(jq .pipeline.flash_bytes <<<"$info")"
echo "pipeline.inspect_cortex-m4_instructions_per_window $(jq '.pipeline["cortex-m4"].instructions_per_window | round' <<<"$info")"
