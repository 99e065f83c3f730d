#!/usr/bin/env bash
# Starts one bare-metal Tiny-MLOps device under QEMU (docs/qemu.md): the device firmware on the
# core's mps2 board, its flash in a host file that persists across runs (killing QEMU is a power
# cut), its link UART on a TCP port for `tinymlops gateway --link tcp:HOST:PORT`, and its sensor
# UART fed from a file of float32 little-endian samples.
#
#   scripts/qemu-device.sh --core CORE --id ID --flash FILE --link tcp:127.0.0.1:PORT
#       [--trusted-key KEY.pub]... [--sensor SAMPLES.f32 | --sensor-pipe PATH] [--fleet F] [--group G] [--trial-windows N]
#       [--watchdog-ms MS] [--elf FIRMWARE.elf] [-- FIRMWARE_ARGS...]
#
# --core: cortex-m3 (mps2-an385), cortex-m4 (mps2-an386), cortex-m7 (mps2-an500),
#   cortex-m33 (mps2-an505, run Secure).
# --fleet/--group: what the device checks signed deployment records against (default fleet/default).
# --id names the device in this script's messages; its identity on MQTT is the gateway's --device.
# --link: QEMU listens there (one client: the gateway, which reconnects after every QEMU restart).
# --sensor: replayed from its start at every QEMU start (a reset keeps streaming where it was).
# --sensor-pipe: the caller streams the samples itself into the FIFO PATH.in (PATH.out must exist
#   too; the firmware never writes to it): `tinymlops sim` feeds its bare-metal devices so.
# FIRMWARE_ARGS: cut=N (power cut before flash operation N), hang_version=V (fault injection).
# TMF_QEMU_PID_FILE=F writes QEMU's pid to F (SIGKILL it for a power cut at an arbitrary instant).
# The device's console (semihosting) is this script's stdout. Exit status: QEMU's (the firmware
# exits only on a bad argument or a power cut: 137), 2 on usage errors.
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
fail() {
  echo "qemu-device: $*" >&2
  exit 2
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
core="" id="" flash="" link="" sensor="" sensor_pipe="" fleet="" group="" trial_windows="" watchdog_ms="" elf=""
keys=()
extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --help | -h) usage ;;
    --core) core=${2:?}; shift 2 ;;
    --id) id=${2:?}; shift 2 ;;
    --flash) flash=${2:?}; shift 2 ;;
    --link) link=${2:?}; shift 2 ;;
    --sensor) sensor=${2:?}; shift 2 ;;
    --sensor-pipe) sensor_pipe=${2:?}; shift 2 ;;
    --trusted-key) keys+=("${2:?}"); shift 2 ;;
    --fleet) fleet=${2:?}; shift 2 ;;
    --group) group=${2:?}; shift 2 ;;
    --trial-windows) trial_windows=${2:?}; shift 2 ;;
    --watchdog-ms) watchdog_ms=${2:?}; shift 2 ;;
    --elf) elf=${2:?}; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) fail "unknown option '$1' (--help)" ;;
  esac
done
[[ -n $core && -n $id && -n $flash && -n $link ]] || fail "--core, --id, --flash and --link are required (--help)"
case $core in
  cortex-m3) machine=mps2-an385 ;;
  cortex-m4) machine=mps2-an386 ;;
  cortex-m7) machine=mps2-an500 ;;
  cortex-m33) machine=mps2-an505 ;;
  *) fail "--core '$core': the device port supports cortex-m3, cortex-m4, cortex-m7, cortex-m33" ;;
esac
[[ $link =~ ^tcp:([0-9.]+):([0-9]+)$ ]] || fail "--link '$link' is not tcp:HOST:PORT"
link_host=${BASH_REMATCH[1]}
link_port=${BASH_REMATCH[2]}
[[ -n $elf ]] || elf=$repo_root/build/$core/bin/device_firmware.elf
[[ -f $elf ]] || fail "no firmware image $elf (cmake --preset $core && cmake --build --preset $core --target device_firmware)"
[[ -z $sensor || -f $sensor ]] || fail "--sensor '$sensor': no such file"
[[ -z $sensor || -z $sensor_pipe ]] || fail "give --sensor or --sensor-pipe, not both"
[[ -z $sensor_pipe || ( -p $sensor_pipe.in && -p $sensor_pipe.out ) ]] ||
  fail "--sensor-pipe '$sensor_pipe': $sensor_pipe.in and $sensor_pipe.out must be FIFOs (mkfifo)"
[[ $sensor_pipe != *,* ]] || fail "--sensor-pipe '$sensor_pipe' must not contain commas"
[[ $flash != *" "* && $flash != *,* ]] || fail "--flash '$flash' must not contain spaces or commas"

args=("flash=$flash")
for key in "${keys[@]}"; do
  [[ -f $key ]] || fail "--trusted-key '$key': no such file"
  if [[ $(stat -c %s "$key") -eq 32 ]]; then
    hex=$(od -An -tx1 -v "$key" | tr -d ' \n')
  else
    hex=$(tr -d ' \n\r\t' <"$key")
  fi
  [[ $hex =~ ^[0-9a-fA-F]{64}$ ]] || fail "--trusted-key '$key' is not an Ed25519 public key (32 raw bytes or 64 hex digits)"
  args+=("key=$hex")
done
[[ -z $fleet ]] || args+=("fleet=$fleet")
[[ -z $group ]] || args+=("group=$group")
[[ -z $trial_windows ]] || args+=("trial_windows=$trial_windows")
[[ -z $watchdog_ms ]] || args+=("watchdog_ms=$watchdog_ms")
args+=("${extra[@]}")

sensor_chardev=(-chardev null,id=tmf_sensor)
feeder=""
workdir=""
cleanup() {
  [[ -z $feeder ]] || kill "$feeder" 2>/dev/null || true
  [[ -z $workdir ]] || rm -rf "$workdir"
}
trap cleanup EXIT
if [[ -n $sensor ]]; then
  # A FIFO pair for QEMU's pipe chardev; the recording is written into it in a loop and QEMU
  # takes bytes only as fast as the guest reads them (the FIFO blocks the writer otherwise).
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/qemu-device.XXXXXX")
  mkfifo "$workdir/sensor.in" "$workdir/sensor.out"
  (while :; do cat "$sensor" || exit 0; done >"$workdir/sensor.in" 2>/dev/null) &
  feeder=$!
  sensor_chardev=(-chardev "pipe,id=tmf_sensor,path=$workdir/sensor")
elif [[ -n $sensor_pipe ]]; then
  sensor_chardev=(-chardev "pipe,id=tmf_sensor,path=$sensor_pipe")
fi
echo "qemu-device: $id on $machine, flash $flash, link tcp:$link_host:$link_port" >&2
# shellcheck disable=SC2054  # commas separate QEMU suboptions
"${TMF_QEMU:-qemu-system-arm}" -M "$machine" -nographic -monitor none \
  -chardev socket,id=tmf_link,host="$link_host",port="$link_port",server=on,wait=off,nodelay=on \
  "${sensor_chardev[@]}" \
  -serial chardev:tmf_link -serial chardev:tmf_sensor \
  -chardev stdio,id=tmf_console,signal=on \
  -semihosting-config enable=on,target=native,chardev=tmf_console \
  -kernel "$elf" -append "${args[*]}" </dev/null &
qemu_pid=$!
# SIGTERM/SIGINT to this script stop QEMU too (a caller that kills the script must not leave
# a device running). SIGKILL QEMU itself (its pid is in $TMF_QEMU_PID_FILE) for a power cut.
trap 'kill "$qemu_pid" 2>/dev/null' TERM INT
[[ -z ${TMF_QEMU_PID_FILE:-} ]] || echo "$qemu_pid" >"$TMF_QEMU_PID_FILE"
status=0
wait "$qemu_pid" || status=$?
if kill -0 "$qemu_pid" 2>/dev/null; then  # woken by a signal: wait for QEMU to end
  status=0
  wait "$qemu_pid" || status=$?
fi
exit "$status"
