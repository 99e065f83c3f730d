#!/usr/bin/env bash
# Shared ingest (issue 18, docs/scaling.md): prints "key value" lines for scripts/bench.sh, all
# from one run of serve_tests ServeShared.ScalingFigure with the same simulated fleet of 10,000
# devices (2 batches each, plain-text lab broker with the queue limit `broker config` writes;
# PostgreSQL with fsync on, as SQLite's serve commits are synchronous=FULL):
#   serve.ingest.sqlite.batches_per_second       one serve on SQLite
#   serve.ingest.postgresql.workers_N            N serve workers of one share group, one PostgreSQL
#   serve.ingest.postgresql.scaling_4_over_1     workers_4 / workers_1
# Usage: scripts/bench_scaling.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=$(TMF_BENCH_SCALING=1 TMF_POSTGRES_FSYNC=1 "$build/bin/serve_tests" ScalingFigure)
rate() { sed -n "s/.*scaling $1: .* = \([0-9]*\) batches\/s.*/\1/p" <<<"$out"; }
sqlite=$(rate sqlite)
declare -A pg
for n in 1 2 4; do pg[$n]=$(rate "postgresql_workers_$n"); done
echo "serve.ingest.sqlite.batches_per_second ${sqlite:-null}"
for n in 1 2 4; do echo "serve.ingest.postgresql.workers_$n ${pg[$n]:-null}"; done
if [[ -n ${pg[1]} && -n ${pg[4]} ]]; then
  echo "serve.ingest.postgresql.scaling_4_over_1 $(jq -n "${pg[4]} / ${pg[1]} * 1000 | round / 1000")"
fi
