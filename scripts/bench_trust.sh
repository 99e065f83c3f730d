#!/usr/bin/env bash
# What the signed deployment record (issue 13; docs/protocol.md) costs a Cortex-M4 device: prints
# "key value" lines for scripts/bench.sh.
#   trust.manifest_record_bytes      bytes the record adds to every MANIFEST
#   trust.m4_record_decode_code_bytes  flash of the record decoder (arm-none-eabi-g++ -Os, symbol sizes)
#   trust.m4_agent_code_bytes        flash of the agent objects a device links (agent, agent_update,
#                                    journal, protocol, protocol_deploy), host-only encoders excluded
#   trust.m4_agent_ram_bytes         sizeof(tmf::Agent) on Cortex-M4 (the manifest copy includes the record)
# The record's device instructions are dominated by one Ed25519 verification the port provides;
# the QEMU port has no Ed25519 yet (docs/agent.md), so no instruction count is printed.
# Usage: scripts/bench_trust.sh WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$root/build/bench/work/trust}
rm -rf "$work" && mkdir -p "$work"
flags=(-std=c++17 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections
       -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics -I"$root")
for f in agent agent_update journal protocol protocol_deploy; do
  arm-none-eabi-g++ "${flags[@]}" -c "$root/device/agent/$f.cc" -o "$work/$f.o"
done
# Function sizes, without the encoders only the host links (ota_*_encode, the signed-bytes writer).
# Sums the sizes of the code symbols `nm -S` lists on stdin whose line matches $1 and not $2.
sum_sizes() {
  local total=0 address size type rest
  while read -r address size type rest; do
    [[ $type =~ ^[TtWw]$ && "$type $rest" =~ $1 && ! "$type $rest" =~ $2 ]] && total=$((total + 16#$size))
  done
  echo "$total"
}
echo "trust.m4_record_decode_code_bytes $(arm-none-eabi-nm -S -C "$work/protocol_deploy.o" | sum_sizes 'ota_deploy_record_decode|name_field_ok' '^$')"
echo "trust.m4_agent_code_bytes $(arm-none-eabi-nm -S -C "$work"/*.o | sum_sizes '.' '_encode\(|signed_bytes\(')"
printf '#include "device/agent/agent.h"\nextern const unsigned agent_bytes = sizeof(tmf::Agent);\n' > "$work/ram.cc"
echo "trust.m4_agent_ram_bytes $(arm-none-eabi-g++ "${flags[@]}" -S -o - "$work/ram.cc" | awk '/\.word/ {print $2; exit}')"
printf '#include <stdio.h>\n#include "device/agent/protocol.h"\nint main() { printf("%%u\\n", tmf::kOtaDeployRecordBytes); }\n' > "$work/record.cc"
g++ -std=c++17 -I"$root" "$work/record.cc" -o "$work/record"
echo "trust.manifest_record_bytes $("$work/record")"
