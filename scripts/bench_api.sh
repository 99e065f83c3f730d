#!/usr/bin/env bash
# The HTTP API of `tinymlops serve --http` (issue 17; docs/api.md): prints "key value" lines for
# scripts/bench.sh. api_bench fills a registry with 10,000 devices and one week of 1-minute
# batches (8 windows each) for 100 of them, serves it in-process (plain HTTP on loopback, 16
# worker threads) and sends 50 concurrent clients x N requests per endpoint:
#   api.devices_list.p99_ms           GET /api/v1/devices?limit=10000 (every device in one page)
#   api.telemetry_week.p99_ms         GET /api/v1/devices/{id}/telemetry over the week (1,000 buckets)
# Baseline in the same run: the SQL each endpoint runs, in the sqlite3 shell on the same database
# (`.timer on`, output to /dev/null, median real time of 5 runs):
#   api.{devices_list,telemetry_week}.sqlite3_ms and .ratio_p99_to_sqlite3
# and api.{devices_list,telemetry_week}.cpu_ms_per_request: the process's CPU time (server and
# clients) over the requests, which other builds on the machine inflate far less than the p99.
# p99 includes queueing (50 clients on 16 threads) and JSON encoding; the sqlite3 figure is the
# query alone, so the ratio is what the API costs on top of the data access it cannot avoid.
# Usage: scripts/bench_api.sh BUILD_DIR WORK_DIR [REQUESTS_PER_CLIENT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=${2:-$build/bench/api}
requests=${3:-4}
out=$("$build/bin/api_bench" "$work" "$requests")
sqlite_ms() {  # median real ms of 5 runs of one statement
  printf '.timer on\n.output /dev/null\n%s\n%s\n%s\n%s\n%s\n' "$1" "$1" "$1" "$1" "$1" |
    sqlite3 "$work/registry.db" | sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' | sort -n | sed -n 3p |
    awk '{printf "%.1f", $1 * 1000}'
}
for name in devices_list telemetry_week; do
  p99=$(sed -n "s/^api\.$name\.p99_ms //p" <<<"$out")
  sql=$(sed -n "s/^sql\.$name //p" <<<"$out")
  base=$(sqlite_ms "$sql")
  echo "api.$name.p99_ms ${p99:-null}"
  echo "api.$name.sqlite3_ms ${base:-null}"
  echo "api.$name.cpu_ms_per_request $(sed -n "s/^api\.$name\.cpu_ms_per_request //p" <<<"$out")"
  if [[ -n $p99 && -n $base ]] && awk "BEGIN{exit !($base > 0)}"; then
    echo "api.$name.ratio_p99_to_sqlite3 $(awk "BEGIN{printf \"%.1f\", $p99 / $base}")"
  fi
done
echo "api.requests_failed $(sed -n 's/^api\.requests_failed //p' <<<"$out")"
