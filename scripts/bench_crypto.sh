#!/usr/bin/env bash
# Ed25519 verification figures (issue 14, docs/crypto.md), called by scripts/bench.sh; prints
# "key value" lines on stdout. For each core (default cortex-m0 cortex-m3 cortex-m4 cortex-m7
# cortex-m33, or TMF_CRYPTO_BENCH_CORES), from build/<core>/bin/crypto_tests.elf:
#   ed25519.<core>.instructions_per_verify  one ed25519_verify of RFC 8032 TEST 3 (2-byte message),
#                                           QEMU instruction count between the bench markers
#   ed25519.<core>.verify_stack_bytes       the stack that verification used (stack painting)
#   ed25519.<core>.code_bytes               flash of libtmf_crypto.a in the image (SHA-512 + Ed25519
#                                           code, constants and the 768-byte base-point table)
set -euo pipefail
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/build/bench/work/crypto
cores=(${TMF_CRYPTO_BENCH_CORES:-cortex-m0 cortex-m3 cortex-m4 cortex-m7 cortex-m33})
mkdir -p "$work"
for core in "${cores[@]}"; do
  elf=$root/build/$core/bin/crypto_tests.elf
  [[ -f $elf ]] || { echo "bench_crypto: no image $elf (build the $core preset)" >&2; exit 1; }
  summary=$("$root/scripts/qemu-run.sh" "$core" "$elf" --count "$work/counts_$core.txt" -- bench)
  [[ $summary == *"verify ok"* ]] || { echo "bench_crypto: $core: $summary" >&2; exit 1; }
  echo "ed25519.$core.instructions_per_verify $(awk '/^region 0 instructions/ {print $4}' "$work/counts_$core.txt")"
  echo "ed25519.$core.verify_stack_bytes $(sed -n 's/.*stack \([0-9]*\) bytes.*/\1/p' <<<"$summary")"
  echo "ed25519.$core.code_bytes $("$root/scripts/map-bytes.sh" "${elf%.elf}.map" libtmf_crypto.a)"
done
