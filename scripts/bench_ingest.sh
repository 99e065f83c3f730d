#!/usr/bin/env bash
# Telemetry ingest of `tinymlops serve` (issue 12): prints "key value" lines for scripts/bench.sh.
#   serve.ingest.batches_per_second      plain-text lab broker, one publisher for 4 devices x 1,000
#                                        batches (serve_tests Serve.IngestRateFigure)
#   serve.ingest_tls.batches_per_second  mutual TLS on the generated broker configuration, enrolment
#                                        enforced, 3 enrolled devices x 1,000 batches each on its own
#                                        TLS session (fleet_hostile_tests FleetIngest.TlsRateFigure)
# Both run one after the other in this script on the same machine; compare them as a ratio only.
# Usage: scripts/bench_ingest.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
plain=$("$build/bin/serve_tests" IngestRateFigure | sed -n 's/.*= \([0-9]*\) batches\/s.*/\1/p')
tls=$("$build/bin/fleet_hostile_tests" TlsRateFigure | sed -n 's/.*= \([0-9]*\) batches\/s.*/\1/p')
echo "serve.ingest.batches_per_second ${plain:-null}"
echo "serve.ingest_tls.batches_per_second ${tls:-null}"
if [[ -n $plain && -n $tls ]]; then
  echo "serve.ingest_tls.ratio_to_plain $(jq -n "$tls / $plain * 1000 | round / 1000")"
fi
