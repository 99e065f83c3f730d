#!/usr/bin/env bash
# run_qemu_differential.sh CORE CRYPTO_ELF SET_TOOL WORKDIR [TRIPLES]
# Writes a seeded differential set with libsodium's verdicts on the host (crypto_differential_set:
# TRIPLES random triples, default 24, times 9 kinds of case) and has the bare-metal verifier on CORE
# check every case under QEMU; exits non-zero on any disagreement.
set -euo pipefail
[[ $# -ge 4 ]] || { sed -n '2,5p' "$0" >&2; exit 2; }
core=$1 elf=$2 tool=$3 work=$4 triples=${5:-24}
here=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
"$tool" --triples "$triples" -o "$work/cases.bin"
(cd "$work" && "$here/scripts/qemu-run.sh" "$core" "$elf" -- diff cases.bin)
