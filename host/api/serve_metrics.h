// What the serve loop knows that the database does not: ingest counters, commit latencies and
// whether the broker is connected. The ingest thread writes it (after each commit and tick), the
// HTTP threads read a copy for GET /metrics and /api/v1/status; one mutex, held for a copy.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "host/monitor/ingest.h"

namespace tmf::api {

// Upper bounds (seconds) of the commit latency histogram. A commit is one SQLite transaction with
// synchronous=FULL (a few fsyncs, about 1-20 ms on local disks) and runs every --commit-ms
// (100 ms); the bounds span 0.5 ms to 2.5 s so both a fast disk and a stalled one are resolved.
inline constexpr std::array<double, 12> kCommitSecondsBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

struct ServeMetricsSnapshot {
  monitor::IngestCounters counters;
  bool broker_connected = false;
  uint64_t broker_connects = 0;
  std::array<uint64_t, kCommitSecondsBounds.size() + 1> commit_buckets{};  // per bound, then +Inf (not cumulative)
  double commit_seconds_sum = 0;
  uint64_t commit_count = 0;
  double started_at_s = 0;  // unix s when serve started
};

class ServeMetrics {
 public:
  ServeMetrics();
  void observe_commit(std::chrono::nanoseconds duration);
  void update(const monitor::IngestCounters& counters, bool connected, uint64_t connects);
  ServeMetricsSnapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  ServeMetricsSnapshot state_;
};

}  // namespace tmf::api
