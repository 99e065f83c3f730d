#!/usr/bin/env bash
# make demo: the real models of ../shared/models end to end. Each is converted to a TMF file,
# inspected, run on the host and bare-metal on a Cortex-M4 (QEMU), and its outputs compared
# byte for byte with TensorFlow Lite Micro's reference outputs. Then the bearing pipeline is
# trained on ../shared/data/bearing, evaluated (HTML report) and run on the Cortex-M4. Last, the
# closed loop over mutual TLS: Mosquitto, tinymlops serve, 20 virtual pumps and 2 bare-metal ones
# (the Cortex-M4 firmware under QEMU behind tinymlops gateway) (scripts/demo_loop.sh).
# Exits non-zero on any mismatch, or if the loop did not close.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$root/build/bin/tinymlops
work=$root/build/demo
core=cortex-m4
rm -rf "$work" && mkdir -p "$work"

echo "demo: building the $core images (model runner, device firmware)"
(cd "$root" && cmake --preset $core >/dev/null && cmake --build --preset $core --target model_runner device_firmware >/dev/null)

status=0
for entry in ad01:ad01_int8 kws:kws_ref_model_int8 hello_world:hello_world_int8; do
  name=${entry%%:*} file=${entry#*:}
  dir=$work/$name
  mkdir -p "$dir"
  echo "== $name"
  "$cli" convert "$shared/models/$file.tflite" -o "$dir/model.tmf"
  "$cli" inspect "$dir/model.tmf" --json |
    jq -r '"   \(.ops | length) ops, \(.macs) MACs, file \(.file_bytes) B, arena \(.arena_bytes) B (lower bound \(.arena_lower_bound_bytes) B)"'
  cp "$shared/models/${name}_input.i8" "$dir/input.bin"
  "$cli" run "$dir/model.tmf" --input "$dir/input.bin" --output "$dir/host_output.bin" >/dev/null
  (cd "$dir" && "$root/scripts/qemu-run.sh" $core "$root/build/$core/bin/model_runner.elf" \
     --count counts.txt -- model.tmf input.bin m4_output.bin | sed 's/^/   /')
  instructions=$(awk '/^region 0/ {print $4}' "$dir/counts.txt")
  for run in host_output m4_output; do
    if cmp -s "$dir/$run.bin" "$shared/models/${name}_expected_output.i8"; then
      echo "   $run: equals TFLM's reference output"
    else
      echo "   $run: DIFFERS from TFLM's reference output"; status=1
    fi
  done
  echo "   Cortex-M4: $instructions instructions per inference"
done
[ $status -eq 0 ] && echo "demo: all outputs bit-exact with TFLM on host and Cortex-M4" || echo "demo: MISMATCH"

# The ML pipeline: recordings -> one int8 file with DSP front end, autoencoder, score and decision.
echo "== bearing pipeline (tinymlops train / eval)"
dir=$work/pipeline
mkdir -p "$dir"
"$cli" train --data "$shared/data/bearing" -o "$dir/bearing.tmf" -q
"$cli" eval --model "$dir/bearing.tmf" --data "$shared/data/bearing" --report "$dir/eval.html" | sed 's/^/   /'
window=$("$cli" inspect "$dir/bearing.tmf" --json | jq .pipeline.window)
normal=$(awk -F, 'NR > 1 && $2 == "normal" {print $1; exit}' "$shared/data/bearing/manifest.csv")
fault=$(awk -F, 'NR > 1 && $2 == "outer_race" {print $1; exit}' "$shared/data/bearing/manifest.csv")
: > "$dir/windows.bin"
for f in "$normal" "$fault"; do
  dd if="$shared/data/bearing/$f" bs=$((4 * window)) count=4 status=none >> "$dir/windows.bin"
done
"$cli" run "$dir/bearing.tmf" --input "$dir/windows.bin" --output "$dir/host_output.bin" >/dev/null
(cd "$dir" && "$root/scripts/qemu-run.sh" $core "$root/build/$core/bin/model_runner.elf" \
   --count counts.txt -- bearing.tmf windows.bin m4_output.bin | sed 's/^/   /')
if cmp -s "$dir/host_output.bin" "$dir/m4_output.bin"; then
  echo "   8 raw windows (4 healthy, 4 outer-race): Cortex-M4 scores and decisions equal the host's bit for bit"
else
  echo "   Cortex-M4 outputs DIFFER from the host's"; status=1
fi
echo "   Cortex-M4: $(awk '/^region 0/ {print $4}' "$dir/counts.txt") instructions per window; report: $dir/eval.html"

# The closed loop on a simulated fleet (docs/loop.md): exits non-zero unless the loop closed.
"$root/scripts/demo_loop.sh" || status=1
exit $status
