#!/usr/bin/env bash
# An over-the-air update of the bare-metal device (issue 14): the Cortex-M4 firmware under QEMU,
# its serial link paced by `tinymlops gateway --link-kbps 250` (a 250 kbit/s line, 8 bits per byte,
# each direction), the gateway on the device's own certificate, `tinymlops deploy` on its service
# identity, Mosquitto on the generated mutual-TLS configuration. The model is the default bearing
# pipeline with the device's detection settings (what the loop deploys; the app must run it to confirm). Prints "key value" lines for scripts/bench.sh:
#   deploy.qemu_m4_250kbps.artifact_bytes      the signed model file
#   deploy.qemu_m4_250kbps.manifest_bytes      the MANIFEST the device gets first (golden input included)
#   deploy.qemu_m4_250kbps.update_seconds      deploy's update time: manifest sent -> confirmed
#   deploy.qemu_m4_250kbps.ratio_to_link_time  update_seconds / (artifact bits / 250 kbit/s)
# The firmware confirms after one healthy window (trial_windows=1, window_ms=1): the figure is the
# transfer, verification and install, not the length of the confirm policy's probation.
# TMF_BENCH_CORE=cortex-m3|cortex-m7|cortex-m33 runs the same on that core's firmware (keys deploy.qemu_m3_...).
# For scripts/bench_firmware.sh (its fits_16k_ram proof): TMF_BENCH_ELF another firmware image of the
# core (device_firmware_16k), TMF_BENCH_TRAIN_ARGS extra `train` options (the pipeline to deploy),
# TMF_BENCH_TRIAL_WINDOWS the trial's healthy windows before the firmware confirms (default 1).
# Usage: scripts/bench_deploy_qemu.sh [BUILD_DIR [WORK_DIR]]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=${2:-$build/bench/work/deploy_qemu}
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$build/bin/tinymlops
core=${TMF_BENCH_CORE:-cortex-m4}
key=deploy.qemu_${core#cortex-}_250kbps
elf=${TMF_BENCH_ELF:-$root/build/$core/bin/device_firmware.elf}
kbps=${TMF_BENCH_LINK_KBPS:-250}  # the key names 250; another rate only to diagnose
[[ -f $elf ]] || { echo "bench_deploy_qemu: no $elf (cmake --build --preset $core --target device_firmware)" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

reg=$work/registry fleet=$work/fleet ids=$work/ids
port=$(free_port) link_port=$(free_port)
"$cli" fleet init --dir "$fleet" --fleet bench --registry "$reg" >/dev/null
"$cli" devices enroll mcu-250 --group gqemu --out "$ids" --ca-dir "$fleet" --registry "$reg" >/dev/null
"$cli" fleet service deploy --out "$ids" --dir "$fleet" --registry "$reg" >/dev/null
"$cli" broker config --dir "$fleet" --out "$work/broker" --port "$port" --fleet bench --user "$(id -un)" >/dev/null
/usr/sbin/mosquitto -c "$work/broker/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)

"$cli" keys generate --out "$work/keys" >/dev/null
"$cli" train --data "$shared/data/bearing" -o "$work/bearing.tmf" --name bearing-detector --model-version 1 \
  --device-detection -q ${TMF_BENCH_TRAIN_ARGS:-} >/dev/null
"$cli" registry add "$work/bearing.tmf" --sign "$work/keys/tinymlops.key" --registry "$reg" >/dev/null
bytes=$(stat -c %s "$reg/artifacts/$("$cli" registry show bearing-detector:1 --json --registry "$reg" | jq -r .artifact_sha256)")
window=$("$cli" inspect "$work/bearing.tmf" --json | jq .pipeline.window)
# MANIFEST = 264 fixed bytes + the golden input (one window of float32 samples) + the 256-byte
# signed deployment record (docs/protocol.md).
manifest=$((264 + 4 * window + 256))
"$cli" sim-signal --scenario "$root/scenarios/demo.json" --group line-a --device 0 --samples 48000 \
  --out "$work/pump.f32" >/dev/null

"$root/scripts/qemu-device.sh" --core "$core" --id mcu-250 --flash "$work/mcu-250.flash" \
  --link "tcp:127.0.0.1:$link_port" --trusted-key "$work/keys/tinymlops.pub" --sensor "$work/pump.f32" \
  --elf "$elf" --fleet bench --group gqemu --trial-windows "${TMF_BENCH_TRIAL_WINDOWS:-1}" -- window_ms=1 > "$work/qemu.log" 2>&1 &
pids+=($!)
"$cli" gateway --link "tcp:127.0.0.1:$link_port" --device mcu-250 --fleet bench --link-kbps "$kbps" \
  --broker "mqtts://127.0.0.1:$port" --ca "$fleet/ca.pem" --cert "$ids/mcu-250.pem" --key "$ids/mcu-250.key" \
  --json > "$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q '"session up"' "$work/gateway.log" && break; sleep 0.05; done

r=$("$cli" deploy bearing-detector:1 --registry "$reg" --fleet bench --broker "mqtts://127.0.0.1:$port" \
  --ca "$fleet/ca.pem" --cert "$ids/svc-deploy.pem" --key "$ids/svc-deploy.key" --json --gate-seconds 0.2 \
  --signing-key "$work/keys/tinymlops.key" --group gqemu --stages 100% --discover-seconds 1 2> "$work/deploy.log")
[[ $(jq -r .state <<<"$r") == completed ]] || { echo "bench_deploy_qemu: deployment $(jq -r .state <<<"$r"): $r" >&2; exit 1; }
update=$(jq .update_seconds <<<"$r")
echo "$r" > "$work/deploy.json"
echo "$key.artifact_bytes $bytes"
echo "$key.manifest_bytes $manifest"
echo "$key.update_seconds $(jq -n "$update * 1000 | round / 1000")"
echo "$key.ratio_to_link_time $(jq -n "$update / ($bytes * 8 / ($kbps * 1000)) * 1000 | round / 1000")"
