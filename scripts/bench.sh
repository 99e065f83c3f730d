#!/usr/bin/env bash
# make bench: measures the runtime and prints the figures as JSON; also writes them (merged
# with figures other benchmarks already wrote) to build/bench/results.json. Every key is
# documented in docs/benchmarks.md. Instruction counts are exact and repeatable:
#   Cortex-M: QEMU TCG plugin counting guest instructions between markers around invoke
#   host:     valgrind (callgrind) instructions inside interpreter_invoke
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$root/build/bin/tinymlops
work=$root/build/bench/work
results=$root/build/bench/results.json
cores=(${TMF_BENCH_CORES:-cortex-m3 cortex-m4 cortex-m7 cortex-m33})
mkdir -p "$work"
[ -f "$results" ] || echo '{}' > "$results"

declare -A figures
put() { figures[$1]=$2; echo "bench: $1 = $2" >&2; }

declare -A tflite=([ad01]=ad01_int8.tflite [kws]=kws_ref_model_int8.tflite)
declare -A input=([ad01]=ad01_input.i8 [kws]=kws_input.i8)
for model in ad01 kws; do
  dir=$work/$model
  mkdir -p "$dir"
  "$cli" convert "$shared/models/${tflite[$model]}" -o "$dir/model.tmf" >/dev/null
  cp "$shared/models/${input[$model]}" "$dir/input.bin"
  info=$("$cli" inspect "$dir/model.tmf" --json)
  put "$model.arena_bytes" "$(jq .arena_bytes <<<"$info")"
  put "$model.arena_lower_bound_bytes" "$(jq .arena_lower_bound_bytes <<<"$info")"
  put "$model.file_bytes" "$(jq .file_bytes <<<"$info")"
  put "$model.macs" "$(jq .macs <<<"$info")"
  for core in "${cores[@]}"; do
    elf=$root/build/$core/bin/model_runner.elf
    summary=$(cd "$dir" && "$root/scripts/qemu-run.sh" "$core" "$elf" --count "counts_$core.txt" -- model.tmf input.bin output.bin)
    count=$(awk '/^region 0 instructions/ {print $4}' "$dir/counts_$core.txt")
    put "$model.$core.invoke_stack_bytes" "$(sed -n 's/.*invoke stack \([0-9]*\) bytes.*/\1/p' <<<"$summary")"
    put "$model.$core.instructions_per_inference" "$count"
    put "$model.$core.instructions_per_mac" "$(jq -n "$count / ${figures[$model.macs]} * 1000 | round / 1000")"
  done
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" \
    --toggle-collect='tmf::interpreter_invoke(tmf::Interpreter*)' \
    "$cli" run "$dir/model.tmf" --input "$dir/input.bin" --output "$dir/host_output.bin" >/dev/null 2>"$dir/valgrind.log"
  put "$model.host.instructions_per_inference" "$(awk '/^summary:/ {print $2}' "$dir/callgrind.out")"
done

# Per-op cost tables for the selector and the cost model's validation against QEMU counts of a
# model set (bench/cost_model.sh, docs/select.md; keys op_costs.*, cost_model.*).
while read -r key value; do put "$key" "$value"; done < <("$root/bench/cost_model.sh" "$work/cost_model" "${cores[@]}" cortex-m0)
cp "$work/cost_model/op_costs.json" "$root/build/bench/op_costs.json"
echo "bench: wrote $root/build/bench/op_costs.json (the CLI uses the committed profiles/op_costs.json)" >&2

for core in "${cores[@]}" cortex-m0; do
  bin=$root/build/$core/bin
  # Static RAM the runtime itself takes (.data + .bss from the library; arena and stack are the
  # application's and are reported above).
  put "runtime_static_ram_bytes.$core" "$("$root/scripts/map-bytes.sh" "$bin/size_ad01.map" libtmf_runtime_ad01.a ram)"
  put "runtime_flash_bytes.$core" "$("$root/scripts/map-bytes.sh" "$bin/size_ad01.map" libtmf_runtime_ad01.a)"
  put "runtime_flash_bytes_reference.$core" "$("$root/scripts/map-bytes.sh" "$bin/size_ad01_reference.map" libtmf_runtime_ad01_reference.a)"
  all=$("$root/scripts/map-bytes.sh" "$bin/size_all.map" libtmf_runtime_all.a)
  reference=$("$root/scripts/map-bytes.sh" "$bin/size_all_reference.map" libtmf_runtime_reference.a)
  put "runtime_flash_bytes_all_ops.$core" "$all"
  put "runtime_flash_bytes_all_ops_reference.$core" "$reference"
  put "runtime_flash_ratio_optimized_to_reference.$core" "$(jq -n "$all / $reference * 1000 | round / 1000")"
done

# The ML pipeline (issue 4): training time, per-window cost on every core, RAM and flash.
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_pipeline.sh")

# Over-the-air deployment (issue 5; docs/deploy.md): a real Mosquitto and virtual devices.
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_deploy.sh" "$root/build" "$work/deploy")

# Ed25519 verification on every core (issue 14; docs/crypto.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_crypto.sh")

# The bare-metal device firmware (issue 14; docs/porting.md): flash and RAM.
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_firmware.sh")
# An update of the bare-metal device over its 250 kbit/s serial link (issue 14; docs/qemu.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_deploy_qemu.sh" "$root/build" "$work/deploy_qemu")
# Detection on unseen machines (issue 16): leave-one-run-out backtest, selection under noise.
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_detect.sh" "$cli" "$work/detect")
# Telemetry ingest, plain text and mutual TLS, in one run (issue 12; docs/serve.md, docs/fleet.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_ingest.sh" "$root/build")
# Shared ingest on SQLite and 1, 2, 4 PostgreSQL workers, one 10,000-device fleet (issue 18; docs/scaling.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_scaling.sh" "$root/build")
# What the signed deployment record costs a Cortex-M4 device (issue 13; docs/agent.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_trust.sh" "$work/trust")
# The HTTP API under 50 clients, against the same queries in the sqlite3 shell (issue 17; docs/api.md).
while read -r key value; do put "$key" "$value"; done < <("$root/scripts/bench_api.sh" "$root/build" "$work/api")

json='{}'
for key in "${!figures[@]}"; do
  json=$(jq --arg k "$key" --argjson v "${figures[$key]}" '. + {($k): $v}' <<<"$json")
done
jq -S --argjson new "$json" '. + $new' "$results" > "$results.tmp" && mv "$results.tmp" "$results"
jq -S . <<<"$json"
echo "bench: wrote $results" >&2
