#!/usr/bin/env bash
# Deployment benchmarks (issue 5): prints "key value" lines for scripts/bench.sh.
#   deploy.ad01_250kbps.*  converted+signed ad01 to one virtual device over a shaped 250 kbit/s link;
#                          ratio = end-to-end update time (manifest sent -> confirmed) / (artifact bits / link rate)
#   deploy.ad01_250kbps_tls.*  the same over mutual TLS (generated broker configuration, enrolled device)
#   deploy.lossy_link.*    the same over 20% message loss (each direction) with two forced disconnects;
#                          confirmed_chunks_resent is counted by the device (tinymlops-device --stats)
#   deploy.rollout_200.*   one rollout (stages 1,10%,100%) to 200 virtual devices on this machine
# Usage: scripts/bench_deploy.sh BUILD_DIR WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=${2:-$build/bench/work/deploy}
shared=${TMF_SHARED_DIR:-$root/../shared}
cli=$build/bin/tinymlops
device=$build/bin/tinymlops-device
rm -rf "$work" && mkdir -p "$work"
reg=$work/registry
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\n' "$port" > "$work/mosquitto.conf"
/usr/sbin/mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)
sleep 0.5

"$cli" keys generate --out "$work/keys" >/dev/null
"$cli" convert "$shared/models/ad01_int8.tflite" -o "$work/ad01.tmf" --name ad01 --model-version 1 >/dev/null
"$cli" registry add "$work/ad01.tmf" --sign "$work/keys/tinymlops.key" --registry "$reg" >/dev/null
bytes=$(stat -c %s "$reg/artifacts/$("$cli" registry show ad01:1 --json --registry "$reg" | jq -r .artifact_sha256)")
deploy() { "$cli" deploy ad01:1 --allow-unenrolled --registry "$reg" --broker-port "$port" --quiet --json --gate-seconds 0.2 --signing-key "$work/keys/tinymlops.key" "$@"; }
dev() { "$device" --broker-port "$port" --trusted-key "$work/keys/tinymlops.pub" --quiet "$@" & pids+=($!); }

# 1. One device, 250 kbit/s.
dev --id link-250 --group g250 --flash "$work/link-250.flash" --link-kbps 250
r=$(deploy --group g250 --stages 100% --discover-seconds 1)
update=$(jq .update_seconds <<<"$r")
echo "deploy.ad01_250kbps.artifact_bytes $bytes"
echo "deploy.ad01_250kbps.update_seconds $(jq -n "$update * 1000 | round / 1000")"
echo "deploy.ad01_250kbps.ratio_to_link_time $(jq -n "$update / ($bytes * 8 / 250000) * 1000 | round / 1000")"

# 1b. The same over mutual TLS: a fleet CA, the generated broker configuration, an enrolled device
#     and deploy's service identity; measured in the same run as the plain-text figure above.
fleet=$work/fleet
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$cli" fleet init --dir "$fleet" --registry "$reg" >/dev/null
"$cli" devices enroll tls-250 --group gtls --out "$work/ids" --ca-dir "$fleet" --registry "$reg" >/dev/null
"$cli" fleet service deploy --out "$work/ids" --dir "$fleet" --registry "$reg" >/dev/null
"$cli" broker config --dir "$fleet" --out "$work/tls-broker" --port "$tls_port" --user "$(id -un)" >/dev/null
/usr/sbin/mosquitto -c "$work/tls-broker/mosquitto.conf" > "$work/tls-mosquitto.log" 2>&1 &
pids+=($!)
sleep 0.5
"$device" --broker-port "$tls_port" --ca "$fleet/ca.pem" --cert "$work/ids/tls-250.pem" --key "$work/ids/tls-250.key" \
  --trusted-key "$work/keys/tinymlops.pub" --quiet --id tls-250 --group gtls --flash "$work/tls-250.flash" --link-kbps 250 &
pids+=($!)
r=$("$cli" deploy ad01:1 --registry "$reg" --broker "mqtts://127.0.0.1:$tls_port" --ca "$fleet/ca.pem" \
  --cert "$work/ids/svc-deploy.pem" --key "$work/ids/svc-deploy.key" --quiet --json --gate-seconds 0.2 \
  --signing-key "$work/keys/tinymlops.key" --group gtls --stages 100% --discover-seconds 1)
update_tls=$(jq .update_seconds <<<"$r")
echo "deploy.ad01_250kbps_tls.update_seconds $(jq -n "$update_tls * 1000 | round / 1000")"
echo "deploy.ad01_250kbps_tls.ratio_to_link_time $(jq -n "$update_tls / ($bytes * 8 / 250000) * 1000 | round / 1000")"

# 2. 20% loss each way, two forced disconnects during the download.
dev --id lossy --group glossy --flash "$work/lossy.flash" --link-kbps 250 --loss 20 --disconnect-at 4,8 --seed 7 \
    --stats "$work/lossy.stats.json"
r=$(deploy --group glossy --stages 100% --discover-seconds 1 --resend-seconds 3 || true)
echo "deploy.lossy_link.completed $([ "$(jq -r .state <<<"$r")" = completed ] && echo 1 || echo 0)"
echo "deploy.lossy_link.update_seconds $(jq -n "$(jq .update_seconds <<<"$r") * 1000 | round / 1000")"
echo "deploy.lossy_link.chunks_resent $(jq .chunks_resent <<<"$r")"
# Counted by the device (the sender answers requests only): requests for chunks it had already
# persisted (confirmed), and copies that arrived after persisting (a timed-out request whose
# chunk was still in flight).
for _ in $(seq 50); do [ -f "$work/lossy.stats.json" ] && break; sleep 0.1; done
echo "deploy.lossy_link.confirmed_chunks_resent $(jq .confirmed_chunks_requested "$work/lossy.stats.json" 2>/dev/null || echo null)"
echo "deploy.lossy_link.chunks_arrived_after_persisted $(jq .chunks_received_again "$work/lossy.stats.json" 2>/dev/null || echo null)"

# 3. 200 devices in one group, staged 1, 10%, 100%.
for i in $(seq -w 1 200); do dev --id "fleet-$i" --group g200 --flash "$work/fleet-$i.flash"; done
sleep 2
r=$(deploy --group g200 --stages 1,10%,100% --discover-seconds 3)
echo "deploy.rollout_200.completed $([ "$(jq -r .state <<<"$r")" = completed ] && echo 1 || echo 0)"
echo "deploy.rollout_200.healthy $(jq .healthy <<<"$r")"
echo "deploy.rollout_200.seconds $(jq -n "$(jq .seconds <<<"$r") * 10 | round / 10")"
