#!/usr/bin/env bash
# Flash and RAM of the bare-metal device firmware (agent + app + runtime + link + port; issue 14,
# docs/porting.md), from the sections of build/<core>/bin/device_firmware.elf. Prints
# "key value" lines for scripts/bench.sh:
#   firmware.<core>.flash_bytes  .isr_vector + .text + .rodata + .ARM.exidx + .data (its load image)
#   firmware.<core>.ram_bytes    .data + .bss + .stack (the QEMU port's 512 KiB flash mirror, which
#                                stands in for memory-mapped flash, lies in PSRAM: not counted)
#   firmware.cortex-m0.ram_lower_bound_bytes  what the default build's design needs at least in RAM for the
#                                model `tinymlops select --target cortex-m0plus-16k` picks: the model's
#                                arena + its window of float samples + sizeof(Agent) (g_agent in the
#                                Cortex-M4 image; the same 32-bit layout on M0) + a link receive buffer
#                                for the model's MANIFEST (264 + 4 x window golden input + 256 record
#                                bytes + framing).
#   firmware.16k_build.ram_bytes  .data + .bss + .stack of device_firmware_16k, the build for 16 KB parts
#                                (buffers for windows up to 256 samples; built for the M4 board, the
#                                same 32-bit layout as on M0), its arena included
#   firmware.16k_build.arena_bytes  that build's model arena
#   firmware.16k_build.picked_arena_bytes  the arena of the pipeline select picks for cortex-m0plus-16k,
#                                trained as a fleet model (--device-detection: what a deploy sends the app)
#   firmware.cortex-m0.fits_16k_ram  1 only when that build fits 16,384 B and, under QEMU, installs and
#                                confirms that fleet model (8 healthy trial windows run by its app) through
#                                gateway and `tinymlops deploy` (scripts/bench_deploy_qemu.sh), else 0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
for core in ${TMF_FIRMWARE_CORES:-cortex-m4}; do
  elf=$root/build/$core/bin/device_firmware.elf
  [[ -f $elf ]] || { echo "bench_firmware: no $elf (cmake --build --preset $core --target device_firmware)" >&2; exit 1; }
  sections=$(arm-none-eabi-size -A "$elf")
  size_of() { awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' <<<"$sections"; }
  flash=$(( $(size_of .isr_vector) + $(size_of .text) + $(size_of .rodata) + $(size_of .ARM.exidx) + $(size_of .data) ))
  ram=$(( $(size_of .data) + $(size_of .bss) + $(size_of .stack) ))
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
small=$root/build/cortex-m4/bin/device_firmware_16k.elf
[[ -f $small ]] || { echo "bench_firmware: no $small (cmake --build --preset cortex-m4 --target device_firmware_16k)" >&2; exit 1; }
small_sections=$(arm-none-eabi-size -A "$small")
small_size() { awk -v s="$1" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }' <<<"$small_sections"; }
small_ram=$(( $(small_size .data) + $(small_size .bss) + $(small_size .stack) ))
small_arena=$(( 16#$(arm-none-eabi-nm -S "$small" | awk '$4 ~ /g_arenaE$/ { print $2 }') ))
echo "firmware.16k_build.ram_bytes $small_ram"
echo "firmware.16k_build.arena_bytes $small_arena"
# The proof is the build itself: the picked pipeline as the fleet model a deploy sends (the app runs
# only models with detection settings), installed over the air and confirmed after 8 healthy windows.
detector=$(jq -r .selected.detector "$m0_work/m0_select.json")
features=$(jq -r .selected.features "$m0_work/m0_select.json")
"$cli" train -q --data "$shared/data/bearing" -o "$m0_work/m0_fleet.tmf" --detector "$detector" --features "$features" \
  --device-detection >/dev/null
picked=$("$cli" inspect "$m0_work/m0_fleet.tmf" --json)
picked_arena=$(jq .arena_bytes <<<"$picked")
picked_input=$(jq '[.inputs[] as $i | .tensors[$i].bytes] | add' <<<"$picked")
small_window=$(( 16#$(arm-none-eabi-nm -S "$small" | awk '$4 ~ /g_windowE$/ { print $2 }') ))
confirmed=0
# A model beyond the build's buffers is refused before QEMU runs (its MANIFEST would not even pass
# the small link MTU: deploy would wait for an answer that never comes); the deploy is bounded too.
if (( small_ram <= 16384 && picked_arena <= small_arena && picked_input <= small_window )) && TMF_BENCH_ELF=$small TMF_BENCH_TRIAL_WINDOWS=8 \
     TMF_BENCH_TRAIN_ARGS="--detector $detector --features $features" \
     timeout 300 "$root/scripts/bench_deploy_qemu.sh" "$root/build" "$m0_work/deploy_16k" > "$m0_work/deploy_16k.txt" 2> "$m0_work/deploy_16k.err"; then
  confirmed=1
else
  echo "bench_firmware: the 16 KB build did not confirm $detector $features: $(tail -c 600 "$m0_work/deploy_16k.err")" >&2
fi
echo "firmware.16k_build.picked_arena_bytes $picked_arena"
echo "firmware.cortex-m0.fits_16k_ram $confirmed"
