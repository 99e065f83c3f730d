#!/usr/bin/env bash
# make demo: the real models of ../shared/models end to end. Each is converted to a TMF file,
# inspected, run on the host and bare-metal on a Cortex-M4 (QEMU), and its outputs compared
# byte for byte with TensorFlow Lite Micro's reference outputs. Exits non-zero on any mismatch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$root/build/bin/tinymlops
work=$root/build/demo
core=cortex-m4
rm -rf "$work" && mkdir -p "$work"

if [ ! -f "$root/build/$core/bin/model_runner.elf" ]; then
  echo "demo: building the $core image"
  (cd "$root" && cmake --preset $core >/dev/null && cmake --build --preset $core >/dev/null)
fi

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
exit $status
