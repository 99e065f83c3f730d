#!/usr/bin/env bash
# make demo, the closed loop: Mosquitto on the fleet's generated mutual-TLS configuration,
# `tinymlops serve` (ingest, drift, automatic retraining and rollouts) on its service identity, and
# `tinymlops sim` (20 virtual devices running the real device code on synthetic pumps, plus 2
# bare-metal devices: the Cortex-M4 firmware under QEMU behind `tinymlops gateway`; every device
# with its own enrolled certificate) through scenarios/fleet_loop.json: the fleet is commissioned (collect -> train ->
# deploy), a bearing fault develops on one pump, the load of every pump changes (drift -> collect
# -> retrain -> redeploy), then two more faults develop. In the middle of the redeployment serve
# is killed with SIGKILL and restarted: no acknowledged telemetry may be lost and the rollout must
# resume. Exits 0 only if the simulator's judge says the loop closed (docs/loop.md).
# TMF_DEMO_CONSOLE=1 (make demo CONSOLE=1): serve also runs --http on a free loopback port, the
# console's URL and an admin token are printed, and serve stays up after the scenario until Ctrl-C
# (docs/console.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${TMF_CLI:-$root/build/bin/tinymlops}
work=${TMF_LOOP_WORK:-$root/build/demo/loop}
scenario=${TMF_LOOP_SCENARIO:-$root/scenarios/fleet_loop.json}
reg=$work/registry
devices=${TMF_DEMO_DEVICES:-20}
# Bare-metal devices beside the virtual ones: the Cortex-M4 firmware under QEMU, each behind its own
# `tinymlops gateway` (docs/sim.md); 0 leaves them out.
bare_metal=${TMF_DEMO_BARE_METAL:-2}
firmware=$root/build/cortex-m4/bin/device_firmware.elf
if [ "$bare_metal" -gt 0 ] && [ ! -f "$firmware" ]; then
  echo "demo_loop: no $firmware (cmake --preset cortex-m4 && cmake --build --preset cortex-m4 --target device_firmware)" >&2
  exit 2
fi
group=$(jq -r '.groups[0].name' "$scenario")
rm -rf "$work" && mkdir -p "$work"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fleet=$(jq -r '.fleet // .name' "$scenario")
# The fleet as an operator sets it up (docs/fleet.md): its CA, serve's service identity, and the
# broker configuration generated from them (mutual TLS only, the ACL from the protocol's topics).
# Each device's own identity is issued and enrolled by the simulator, which plays the factory.
# (Independent steps run side by side, the simulator from when the CA exists: each command's start
# costs a second or two on a busy machine; the devices connect once the broker listens.)
broker=(--broker "mqtts://127.0.0.1:$port" --ca "$work/fleet/ca.pem")
serve_pid= sim_pid= broker_pid=
cleanup() { kill $serve_pid $sim_pid $broker_pid 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
"$cli" keys generate --out "$work/keys" >/dev/null &
keys_pid=$!
"$cli" fleet init --dir "$work/fleet" --fleet "$fleet" --registry "$reg" >/dev/null
http=()
if [ "${TMF_DEMO_CONSOLE:-}" = 1 ]; then
  http_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  http=(--http "127.0.0.1:$http_port")
  console_token=$("$cli" tokens create demo --role admin --registry "$reg" --json | jq -r .token)
fi
"$cli" fleet service serve --dir "$work/fleet" --out "$work/ids" --registry "$reg" >/dev/null &
service_pid=$!
wait $keys_pid
echo "== closed loop: Mosquitto (mutual TLS, fleet $fleet) on 127.0.0.1:$port, tinymlops serve, tinymlops sim --devices $devices --bare-metal $bare_metal"
"$cli" sim --scenario "$scenario" --devices "$devices" "${broker[@]}" --ca-dir "$work/fleet" \
  --bare-metal "$bare_metal" --qemu-device "$root/scripts/qemu-device.sh" --firmware "$firmware" \
  --registry "$reg" --trusted-key "$work/keys/tinymlops.pub" --model-name pump-detector \
  --commission-timeout 300 --report "$work/report.html" --summary "$work/summary.json" \
  > "$work/sim.out" 2> "$work/sim.log" &
sim_pid=$!
"$cli" broker config --dir "$work/fleet" --out "$work/broker" --port "$port" --fleet "$fleet" --user "$(id -un)" >/dev/null
/usr/sbin/mosquitto -c "$work/broker/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
broker_pid=$!
wait $service_pid
# serve's first connection attempt should find the broker listening (a refused one backs off 1 s).
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done

start_serve() {
  "$cli" serve --registry "$reg" "${broker[@]}" --cert "$work/ids/svc-serve.pem" --key "$work/ids/svc-serve.key" \
    --fleet "$fleet" --json --drift-every-seconds 2 \
    --recent-batches 4 --min-windows 128 --progress-seconds 0 \
    --loop-group "$group" --model-name pump-detector --signing-key "$work/keys/tinymlops.key" --auto-approve \
    --min-devices $((devices + bare_metal)) ${http[@]+"${http[@]}"} >> "$work/serve.log" 2>&1 &
  serve_pid=$!
}
echo "   demo: serve --auto-approve skips the human release approval (tinymlops loop approve N; docs/loop.md)"
start_serve
if [ ${#http[@]} -gt 0 ]; then
  echo "   console: http://127.0.0.1:$http_port/  (sign in with the admin token $console_token)"
fi

# Show the loop's steps as serve takes them; SIGKILL serve once during the second rollout.
shown=0 killed=0
while kill -0 $sim_pid 2>/dev/null; do
  sleep 0.5
  # The loop's steps (not the rollout's per-device transitions, which are in serve.log too).
  lines=$(grep '"event":"loop\.' "$work/serve.log" | grep -vc '"event":"loop.rollout.log"' || true)
  if [ "$lines" -gt "$shown" ]; then
    grep '"event":"loop\.' "$work/serve.log" | grep -v '"event":"loop.rollout.log"' | tail -n +$((shown + 1)) |
      jq -r '"   serve: \(.event) \(.reason // .version // .result.version // .result.error // (if .captures then "\(.captures) captures" else "" end) | tostring | .[0:110])"' || true
    shown=$lines
  fi
  rollouts=$(grep -c '"event":"loop.rollout"' "$work/serve.log" || true)
  if [ $killed -eq 0 ] && [ "$rollouts" -ge 2 ]; then
    sleep 1
    kill -9 $serve_pid 2>/dev/null || true
    wait $serve_pid 2>/dev/null || true
    echo "   demo: serve killed with SIGKILL during the redeployment; restarting it"
    sleep 1
    start_serve
    killed=1
  fi
done
set +e
wait $sim_pid
code=$?
set -e
sed 's/^/   /' "$work/sim.out"
[ $killed -eq 1 ] || { echo "   demo: the redeployment never started, serve was not killed"; code=1; }
if [ $code -ne 0 ]; then
  # What a failed run leaves for its diagnosis, in the output itself (CI keeps only that): the
  # rollout's last steps and each bare-metal device's gateway and firmware lines.
  echo "   demo: the last rollout steps, and the bare-metal devices' own logs:"
  grep '"event":"loop.rollout.log"' "$work/serve.log" | tail -n 12 | jq -r '"      serve: \(.message)"' || true
  for f in "$reg"/sim-devices/*.gateway.log "$reg"/sim-devices/*.qemu.log; do
    [ -f "$f" ] || continue
    echo "      -- ${f##*/}"
    tail -n 4 "$f" | cut -c1-300 | sed 's/^/      /'
  done
fi
echo "   report: $work/report.html; serve log: $work/serve.log; loop history: $cli loop history --registry $reg"
if [ ${#http[@]} -gt 0 ]; then
  echo "   console: http://127.0.0.1:$http_port/  (token $console_token); serve stays up, Ctrl-C stops it"
  wait $serve_pid || true
fi
exit $code
