#!/usr/bin/env bash
# Flash and RAM of the bare-metal device firmware (agent + app + runtime + link + port; issue 14,
# docs/porting.md), from the sections of build/<core>/bin/device_firmware.elf. Prints
# "key value" lines for scripts/bench.sh:
#   firmware.<core>.flash_bytes  .isr_vector + .text + .rodata + .ARM.exidx + .data (its load image)
#   firmware.<core>.ram_bytes    .data + .bss + .stack, minus the QEMU port's 512 KiB flash mirror
#                                (g_flash_mirror stands in for memory-mapped flash a real board has)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for core in ${TMF_FIRMWARE_CORES:-cortex-m4}; do
  elf=$root/build/$core/bin/device_firmware.elf
  [[ -f $elf ]] || { echo "bench_firmware: no $elf (cmake --build --preset $core --target device_firmware)" >&2; exit 1; }
  sections=$(arm-none-eabi-size -A "$elf")
  size_of() { awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' <<<"$sections"; }
  mirror_hex=$(arm-none-eabi-nm -S "$elf" | awk '$4 ~ /g_flash_mirror/ { print $2 }')
  mirror=$(( 16#${mirror_hex:-0} ))
  flash=$(( $(size_of .isr_vector) + $(size_of .text) + $(size_of .rodata) + $(size_of .ARM.exidx) + $(size_of .data) ))
  ram=$(( $(size_of .data) + $(size_of .bss) + $(size_of .stack) - ${mirror:-0} ))
  echo "firmware.$core.flash_bytes $flash"
  echo "firmware.$core.ram_bytes $ram"
done
