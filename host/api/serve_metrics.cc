// The serve loop's live figures (see serve_metrics.h).
#include "host/api/serve_metrics.h"

namespace tmf::api {

ServeMetrics::ServeMetrics() {
  state_.started_at_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void ServeMetrics::observe_commit(std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  size_t bucket = 0;
  while (bucket < kCommitSecondsBounds.size() && seconds > kCommitSecondsBounds[bucket]) ++bucket;
  std::lock_guard<std::mutex> lock(mutex_);
  ++state_.commit_buckets[bucket];
  state_.commit_seconds_sum += seconds;
  ++state_.commit_count;
}

void ServeMetrics::update(const monitor::IngestCounters& counters, bool connected, uint64_t connects) {
  std::lock_guard<std::mutex> lock(mutex_);
  state_.counters = counters;
  state_.broker_connected = connected;
  state_.broker_connects = connects;
}

ServeMetricsSnapshot ServeMetrics::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

}  // namespace tmf::api
