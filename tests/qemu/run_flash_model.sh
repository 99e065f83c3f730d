#!/usr/bin/env bash
# Runs a model in place from flash under QEMU: patches MODEL.tmf into the flash slot of a copy of
# model_runner_flash's image and runs it on INPUT (input sets back to back), writing OUTPUT.
#
#   tests/qemu/run_flash_model.sh CORE ELF MODEL.tmf INPUT OUTPUT [--count FILE] [--per-op]
#
# CORE: as scripts/qemu-run.sh (cortex-m0 = micro:bit, 16 KB RAM). ELF: model_runner_flash.elf.
# The model is padded with 0xFF (erased flash) to the size of the image's .tmf_model_slot section and
# replaces it with objcopy --update-section: same size, so no address in the image moves. A model
# larger than the slot is an error (exit 2). --count FILE: instruction counts per invoke (per op
# with --per-op), see scripts/qemu-run.sh. The ELF given is never modified.
# Exit status: the runner's (0 ok, 2 model refused: empty slot, rejected, arena too large; 1 I/O),
# 2 on usage errors, 124 on timeout.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
fail() {
  echo "run_flash_model: $*" >&2
  exit 2
}

[[ $# -ge 5 ]] || usage
core=$1 elf=$2 model=$3 input=$4 output=$5
shift 5
count_args=()
runner_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --count)
      [[ $# -ge 2 ]] || fail "--count needs a file"
      count_file=$2
      [[ $count_file == /* ]] || count_file=$PWD/$count_file
      count_args=(--count "$count_file")
      shift 2
      ;;
    --per-op)
      runner_args=(per-op)
      shift
      ;;
    *) fail "unknown option '$1'" ;;
  esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
objcopy=${TMF_ARM_OBJCOPY:-arm-none-eabi-objcopy}
readelf=${TMF_ARM_READELF:-arm-none-eabi-readelf}
slot_section=.tmf_model_slot

[[ -f $elf ]] || fail "no such image: $elf"
[[ -f $model ]] || fail "no such model: $model"
[[ -f $input ]] || fail "no such input: $input"

# Section header line: [Nr] Name Type Addr Off Size ...; the size is hexadecimal.
slot_hex=$("$readelf" -S -W "$elf" | awk -v name="$slot_section" '{ sub(/^ *\[ *[0-9]+\] */, "") } $1 == name { print $5 }')
[[ -n $slot_hex ]] || fail "$elf has no $slot_section section (build the model_runner_flash target)"
slot_bytes=$((16#$slot_hex))
model_bytes=$(stat -c %s "$model")
if ((model_bytes > slot_bytes)); then
  fail "$model is $model_bytes bytes, larger than the $slot_bytes-byte flash slot of $elf"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run_flash_model.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/slot.bin"
# Erased flash reads 0xFF: pad the rest of the slot with it.
head -c $((slot_bytes - model_bytes)) /dev/zero | tr '\0' '\377' >>"$work/slot.bin"
"$objcopy" --update-section "$slot_section=$work/slot.bin" "$elf" "$work/image.elf"

# Semihosting arguments cannot contain spaces and the guest's command line holds 511 characters:
# the runner gets the input's absolute path, or a short link to it in the work directory. The output goes to the work directory and is moved into place only when
# the run succeeds.
input_path=$(realpath "$input")
if [[ $input_path == *" "* || ${#input_path} -gt 200 ]]; then
  ln -s "$input_path" "$work/input.bin"
  input_path=input.bin
fi
status=0
(cd "$work" && "$here/scripts/qemu-run.sh" "$core" image.elf "${count_args[@]}" -- "$input_path" output.bin "${runner_args[@]}") || status=$?
if [[ $status -eq 0 ]] && ! mv "$work/output.bin" "$output"; then
  echo "run_flash_model: cannot write $output" >&2
  status=1
fi
exit "$status"
