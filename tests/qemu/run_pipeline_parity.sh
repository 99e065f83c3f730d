#!/usr/bin/env bash
# run_pipeline_parity.sh CORE RUNNER_ELF WORKDIR
# Runs the pipeline model the end-to-end test left in WORKDIR (model.tmf, windows.bin: raw
# float32 windows) bare-metal under QEMU on CORE and checks that every output byte (float32
# score + int8 decision per window) equals the host runtime's (host_outputs.bin).
set -euo pipefail
core=$1 runner=$(realpath "$2") work=$3
here=$(cd "$(dirname "$0")/../.." && pwd)
out=$core.outputs.bin
(cd "$work" && "$here/scripts/qemu-run.sh" "$core" "$runner" -- model.tmf windows.bin "$out")
if cmp -s "$work/$out" "$work/host_outputs.bin"; then
  echo "pipeline on $core: $(stat -c %s "$work/host_outputs.bin") output bytes equal the host runtime's bit for bit"
else
  echo "pipeline on $core: OUTPUTS DIFFER from the host runtime's"
  cmp "$work/$out" "$work/host_outputs.bin" || true
  exit 1
fi
