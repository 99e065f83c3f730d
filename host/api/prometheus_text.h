// GET /metrics: serve's figures in the Prometheus text exposition format (version 0.0.4): the
// ingest counters and commit latency histogram from the serve loop, and fleet gauges read from
// the registry (alerts by kind, rollouts by state, devices online, one series per device).
// Metric names and labels: docs/api.md "Metrics".
#pragma once

#include <string>

#include "host/api/serve_metrics.h"
#include "host/registry/database.h"

namespace tmf::api {

// A label value with \, " and newline escaped as the format requires.
std::string prometheus_label_escape(const std::string& value);

// The whole /metrics body.
std::string prometheus_render(registry::Database& db, const ServeMetricsSnapshot& serve, const std::string& version);

}  // namespace tmf::api
