#!/usr/bin/env bash
# run_pipeline_golden.sh CORE RUNNER_ELF PIPELINE_GOLDEN WORKDIR N BANDS WINDOWS [SAMPLES.f32]
# Builds a whole pipeline model on the host (tests/qemu/pipeline_golden.cc: every pipeline op),
# runs it with the host runtime and bare-metal under QEMU on CORE, and requires identical bytes:
# features, float32 scores and decision, bit for bit.
set -euo pipefail
core=$1 runner=$2 tool=$3 work=$4 n=$5 bands=$6 windows=$7 data=${8:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
if [[ -n $data && ! -f $data ]]; then data=""; fi
"$tool" "$work" "$n" "$bands" "$windows" ${data:+"$data"}
(cd "$work" && "$here/scripts/qemu-run.sh" "$core" "$runner" -- model.tmf input.bin output.bin)
if cmp -s "$work/output.bin" "$work/expected.bin"; then
  echo "pipeline N=$n on $core: outputs equal the host runtime's bit for bit ($(stat -c %s "$work/expected.bin") bytes)"
else
  echo "pipeline N=$n on $core: OUTPUT DIFFERS from the host runtime"
  cmp "$work/output.bin" "$work/expected.bin" || true
  exit 1
fi
