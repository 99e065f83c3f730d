#!/usr/bin/env bash
# map-bytes.sh MAP PATTERN [ram]: bytes of flash (.text*, .rodata*, .data*, .ARM.exidx*), or with
# `ram` of RAM (.data*, .bss*), that the linked image takes from input files matching PATTERN
# (e.g. 'libtmf_runtime_ad01.a'), read from a GNU ld map file's memory map (discarded sections
# are not counted).
set -euo pipefail
map=$1 pattern=$2
sections='text|rodata|data|ARM\.exidx'
[ "${3:-}" = ram ] && sections='data|bss'

total=0 section="" in_map=0
while IFS= read -r line; do
  if [[ $in_map -eq 0 ]]; then
    [[ $line == "Linker script and memory map"* ]] && in_map=1
    continue
  fi
  if [[ $line =~ ^\ (\.($sections)[^ ]*)$ ]]; then
    section=${BASH_REMATCH[1]}; continue
  fi
  if [[ $line =~ ^\ (\.($sections)[^ ]*)\ +0x[0-9a-f]+\ +0x([0-9a-f]+)\ (.*)$ ]]; then
    [[ ${BASH_REMATCH[4]} == *"$pattern"* ]] && total=$((total + 16#${BASH_REMATCH[3]}))
    section=""; continue
  fi
  if [[ -n $section && $line =~ ^\ +0x[0-9a-f]+\ +0x([0-9a-f]+)\ (.*)$ ]]; then
    [[ ${BASH_REMATCH[2]} == *"$pattern"* ]] && total=$((total + 16#${BASH_REMATCH[1]}))
  fi
  section=""
done < "$map"
echo "$total"
