#!/usr/bin/env bash
# run_flash_golden.sh CORE RUNNER_FLASH_ELF TINYMLOPS MODEL.tflite INPUT EXPECTED|--refused WORKDIR
# Converts the model on the host and runs it in place from flash under QEMU on CORE
# (run_flash_model.sh). With EXPECTED: the output must equal TFLM's reference bytes. With --refused:
# the runner must refuse the model with exit 2 and name the converter's arena size and the image's
# arena capacity, computed here from the image's symbols (RAM left after stack, .data and .bss).
set -euo pipefail
core=$1 runner=$2 cli=$3 tflite=$4 input=$5 expected=$6 work=$7
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
"$cli" convert "$tflite" -o "$work/model.tmf" >/dev/null
name=$(basename "$tflite")

status=0
"$here/tests/qemu/run_flash_model.sh" "$core" "$runner" "$work/model.tmf" "$input" "$work/output.bin" \
  >"$work/log.txt" 2>&1 || status=$?
cat "$work/log.txt"

if [[ $expected == --refused ]]; then
  needs=$("$cli" inspect "$work/model.tmf" --json | jq .arena_bytes)
  symbols=$(${TMF_ARM_NM:-arm-none-eabi-nm} "$runner")
  free=$((16#$(awk '$3 == "__ram_free_start" { print $1 }' <<<"$symbols")))
  end=$((16#$(awk '$3 == "__ram_end" { print $1 }' <<<"$symbols")))
  capacity=$((end - ((free + 15) & ~15)))
  message="model needs arena $needs bytes, this image has $capacity"
  if [[ $status -eq 2 ]] && grep -qF "$message" "$work/log.txt"; then
    echo "$name on $core from flash: refused as expected ($message)"
    exit 0
  fi
  echo "$name on $core from flash: expected exit 2 and '$message', got exit $status"
  exit 1
fi

[[ $status -eq 0 ]] || { echo "$name on $core from flash: runner exited with $status"; exit 1; }
if cmp -s "$work/output.bin" "$expected"; then
  echo "$name on $core from flash: output equals TFLM reference ($(stat -c %s "$expected") bytes)"
else
  echo "$name on $core from flash: OUTPUT DIFFERS from TFLM reference"
  cmp "$work/output.bin" "$expected" || true
  exit 1
fi
