#!/usr/bin/env bash
# A float model quantized on import (the kws-like DS-CNN of float_import_models_test.cc, converted
# with `tinymlops convert --calibrate`) runs bare-metal under QEMU and gives the bytes the host's
# `tinymlops run` gave for the same input. Then the single-op and small float models of
# float_import_ops_test.cc (broadcasting ADD/SUB/MUL, MEAN, PAD, CONCATENATION quantized on
# import), each against the host runtime's output bytes.
#   run_float_import_qemu.sh PIPELINE_TESTS CORE MODEL_RUNNER_ELF WORK
set -euo pipefail
tests=$(realpath "$1") core=$2 elf=$(realpath "$3") work=$(realpath -m "$4")
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
TMF_FLOAT_IMPORT_OUT=$work "$tests" FloatImportModels.ConvertCalibrateAndInspectOnTheCommandLine >/dev/null
cd "$work"
TMF_FLOAT_IMPORT_OUT=$work "$tests" FloatImportOps. >/dev/null
for expected in kws_like ops_broadcasting ops_mean ops_pad_concatenation; do
  [ -f "$expected.tmf" ] || { echo "float import: $expected.tmf was not written by $tests" >&2; exit 1; }
done
for model in *.tmf; do
  name=${model%.tmf}
  "$root/scripts/qemu-run.sh" "$core" "$elf" -- "$model" "${name}_in.f32" "${name}_qemu_out.f32" >/dev/null
  if cmp -s "${name}_qemu_out.f32" "${name}_host_out.f32"; then
    echo "float import $name on $core: $(stat -c %s "${name}_qemu_out.f32") output bytes identical to the host's"
  else
    echo "float import $name on $core: the output differs from the host's" >&2
    exit 1
  fi
done
