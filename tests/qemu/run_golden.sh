#!/usr/bin/env bash
# run_golden.sh CORE RUNNER_ELF TINYMLOPS MODEL.tflite INPUT EXPECTED WORKDIR
# Converts the model on the host, runs it bare-metal under QEMU on CORE, and compares the output
# with TFLM's reference bytes. QEMU's semihosting paths are relative to WORKDIR (no spaces).
set -euo pipefail
core=$1 runner=$2 cli=$3 tflite=$4 input=$5 expected=$6 work=$7
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
"$cli" convert "$tflite" -o "$work/model.tmf" >/dev/null
cp "$input" "$work/input.bin"
(cd "$work" && "$here/scripts/qemu-run.sh" "$core" "$runner" -- model.tmf input.bin output.bin)
if cmp -s "$work/output.bin" "$expected"; then
  echo "$(basename "$tflite") on $core: output equals TFLM reference ($(stat -c %s "$expected") bytes)"
else
  echo "$(basename "$tflite") on $core: OUTPUT DIFFERS from TFLM reference"
  cmp "$work/output.bin" "$expected" || true
  exit 1
fi
