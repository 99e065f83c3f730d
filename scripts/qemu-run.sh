#!/usr/bin/env bash
# Runs a Cortex-M image under QEMU with semihosting and exits with the guest's exit code.
#
#   scripts/qemu-run.sh CORE ELF [--count FILE] [--timeout SECONDS] [-- ARGS...]
#
# CORE: cortex-m0 (microbit), cortex-m3 (mps2-an385), cortex-m4 (mps2-an386), cortex-m7 (mps2-an500),
#       cortex-m33 (mps2-an505).
# ARGS reach the guest as its semihosting command line (main's argv[1..]); QEMU splits them on
#       spaces, so an argument cannot contain one.
# --count FILE: load the instruction-count plugin (TMF_QEMU_PLUGIN, default
#       build/tools/libinsn_count.so) on the image's tmf_bench_marker_begin/end; FILE gets one line per
#       marked region: "region N instructions C".
# stdout carries only the guest's output; QEMU's own messages go to stderr.
# Exit status: the guest's (0-255), 124 on timeout (default 300 s, or TMF_QEMU_TIMEOUT), 2 on usage
# errors. TMF_QEMU_EXTRA_ARGS adds QEMU options (e.g. "-d in_asm,cpu -D /tmp/qemu.log", "-s -S").
set -euo pipefail

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}
fail() {
  echo "qemu-run: $*" >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
core=$1
elf=$2
shift 2

count_file=""
timeout_seconds=${TMF_QEMU_TIMEOUT:-300}
guest_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --count)
      [[ $# -ge 2 ]] || fail "--count needs a file"
      count_file=$2
      shift 2
      ;;
    --timeout)
      [[ $# -ge 2 ]] || fail "--timeout needs seconds"
      timeout_seconds=$2
      shift 2
      ;;
    --)
      shift
      guest_args=("$@")
      break
      ;;
    *) fail "unknown option '$1' (guest arguments go after --)" ;;
  esac
done

case $core in
  cortex-m0) machine=microbit ;;
  cortex-m3) machine=mps2-an385 ;;
  cortex-m4) machine=mps2-an386 ;;
  cortex-m7) machine=mps2-an500 ;;
  cortex-m33) machine=mps2-an505 ;;
  *) fail "unknown core '$core' (cortex-m0, cortex-m3, cortex-m4, cortex-m7, cortex-m33)" ;;
esac
[[ -f $elf ]] || fail "no such image: $elf"

for arg in "${guest_args[@]}"; do
  [[ $arg != *" "* ]] || fail "guest argument '$arg' contains a space (QEMU -append splits on spaces)"
done

qemu=${TMF_QEMU:-qemu-system-arm}
# Semihosting console on a stdio chardev: the guest's output is this script's stdout, and no serial
# port or monitor shares it.
# shellcheck disable=SC2054  # commas separate QEMU suboptions
qemu_args=(
  -M "$machine" -nographic -monitor none -serial none
  -chardev stdio,id=tmf_semihosting,signal=on
  -semihosting-config enable=on,target=native,chardev=tmf_semihosting
  -kernel "$elf"
)
if [[ ${#guest_args[@]} -gt 0 ]]; then
  qemu_args+=(-append "${guest_args[*]}")
fi

if [[ -n $count_file ]]; then
  repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  plugin=${TMF_QEMU_PLUGIN:-$repo_root/build/tools/libinsn_count.so}
  [[ -f $plugin ]] || fail "instruction-count plugin not found: $plugin (build tools/qemu_plugin or set TMF_QEMU_PLUGIN)"
  nm=${TMF_ARM_NM:-arm-none-eabi-nm}
  symbols=$("$nm" "$elf")
  begin=$(awk '$3 == "tmf_bench_marker_begin" { print $1 }' <<<"$symbols")
  end=$(awk '$3 == "tmf_bench_marker_end" { print $1 }' <<<"$symbols")
  [[ -n $begin && -n $end ]] || fail "$elf has no tmf_bench_marker_begin/end (link bench_markers.cc and call them)"
  # Symbol values of Thumb functions carry bit 0; instructions start at the even address.
  begin=$(printf '0x%x' $((0x$begin & ~1)))
  end=$(printf '0x%x' $((0x$end & ~1)))
  [[ $count_file == /* ]] || count_file=$PWD/$count_file
  [[ $count_file != *,* ]] || fail "--count file name cannot contain a comma"
  rm -f "$count_file"
  qemu_args+=(-plugin "$plugin,begin=$begin,end=$end,out=$count_file")
fi

if [[ -n ${TMF_QEMU_EXTRA_ARGS:-} ]]; then
  read -r -a extra <<<"$TMF_QEMU_EXTRA_ARGS"
  qemu_args+=("${extra[@]}")
fi

status=0
timeout --kill-after=5 "$timeout_seconds" "$qemu" "${qemu_args[@]}" </dev/null || status=$?
if [[ $status -eq 124 ]]; then
  echo "qemu-run: timeout after ${timeout_seconds}s: $elf on $machine" >&2
fi
exit "$status"
