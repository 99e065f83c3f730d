#!/usr/bin/env bash
# Flash and RAM of the bare-metal device firmware (agent + app + runtime + link + port; issue 14,
# docs/porting.md), from the sections of build/<core>/bin/device_firmware.elf. Prints
# "key value" lines for scripts/bench.sh:
#   firmware.<core>.flash_bytes  .isr_vector + .text + .rodata + .ARM.exidx + .data (its load image)
#   firmware.<core>.ram_bytes    .data + .bss + .stack, minus the QEMU port's 512 KiB flash mirror
#                                (g_flash_mirror stands in for memory-mapped flash a real board has)
#   firmware.cortex-m0.ram_lower_bound_bytes  what this device firmware's design needs at least in RAM for the
#                                model `tinymlops select --target cortex-m0plus-16k` picks: the model's
#                                arena + its window of float samples + sizeof(Agent) (g_agent in the
#                                Cortex-M4 image; the same 32-bit layout on M0) + a link receive buffer
#                                for the model's MANIFEST (264 + 4 x window golden input + 256 record
#                                bytes + framing). Not counted, so the true figure is higher: stack,
#                                the app's memory, the link's send queue, capture buffer, port state.
#   firmware.cortex-m0.fits_16k_ram  0 when that lower bound already exceeds 16,384 bytes; 1 is never
#                                printed from a lower bound (a fit needs a build for the part: not here)
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

# The Cortex-M0 class (16 KB RAM): does the firmware fit with the model the selector picks for it?
m0_work=${TMF_FIRMWARE_WORK:-$root/build/bench/work/firmware}
cli=$root/build/bin/tinymlops
shared=${TMF_SHARED_DIR:-$root/../shared}
mkdir -p "$m0_work"
"$cli" select -q --data "$shared/data/bearing" --target cortex-m0plus-16k -o "$m0_work/m0.tmf" --json > "$m0_work/m0_select.json"
info=$("$cli" inspect "$m0_work/m0.tmf" --json)
arena=$(jq .arena_bytes <<<"$info")
window=$(jq .pipeline.window <<<"$info")
elf=$root/build/cortex-m4/bin/device_firmware.elf
agent=$(( 16#$(arm-none-eabi-nm -S "$elf" | awk '$4 ~ /g_agentE$/ { print $2 }') ))
link_overhead=12  # frame header + CRC (docs/link.md), before byte stuffing
bound=$(( arena + 4 * window + agent + 264 + 4 * window + 256 + link_overhead ))
echo "firmware.cortex-m0.ram_lower_bound_bytes $bound"
if (( bound > 16384 )); then
  echo "firmware.cortex-m0.fits_16k_ram 0"
else
  echo "bench_firmware: the lower bound $bound B fits 16 KB; whether the firmware does needs a build for the part" >&2
fi
