// Welford running statistics (contract in running_stats.h).
#include "device/detect/running_stats.h"

#include "device/detect/detect_memory.h"

namespace tmf::detect {

uint32_t running_stats_bytes(uint32_t feature_count) {
  if (feature_count == 0 || feature_count > kDetectMaxFeatures) return 0;
  return 2u * align8(feature_count * 8u);
}

DetectStatus running_stats_init(RunningStats* stats, uint32_t feature_count, void* memory,
                                uint32_t bytes) {
  if (stats == nullptr) return DetectStatus::kErrNullArgument;
  if (feature_count == 0 || feature_count > kDetectMaxFeatures) return DetectStatus::kErrBadConfig;
  const DetectStatus s = check_memory(memory, bytes, running_stats_bytes(feature_count));
  if (s != DetectStatus::kOk) return s;
  MemoryCarver carve(memory);
  stats->feature_count = feature_count;
  stats->mean = carve.take<double>(feature_count);
  stats->m2 = carve.take<double>(feature_count);
  running_stats_reset(stats);
  return DetectStatus::kOk;
}

void running_stats_reset(RunningStats* stats) {
  stats->count = 0;
  for (uint32_t f = 0; f < stats->feature_count; ++f) stats->mean[f] = 0.0, stats->m2[f] = 0.0;
}

void running_stats_add(RunningStats* stats, const float* values) {
  const uint32_t n = stats->count + 1;
  const double dn = static_cast<double>(n);
  for (uint32_t f = 0; f < stats->feature_count; ++f) {
    const double x = static_cast<double>(values[f]);
    const double d = x - stats->mean[f];
    stats->mean[f] += d / dn;
    stats->m2[f] += d * (x - stats->mean[f]);
  }
  stats->count = n;
}

double running_stats_variance(const RunningStats& stats, uint32_t f) {
  return stats.count == 0 ? 0.0 : stats.m2[f] / static_cast<double>(stats.count);
}

DetectStatus running_stats_merge(RunningStats* into, const RunningStats& other) {
  if (into == nullptr) return DetectStatus::kErrNullArgument;
  if (into->feature_count != other.feature_count) return DetectStatus::kErrMismatch;
  if (other.count == 0) return DetectStatus::kOk;
  const double na = static_cast<double>(into->count), nb = static_cast<double>(other.count);
  const double n = na + nb;
  for (uint32_t f = 0; f < into->feature_count; ++f) {
    const double d = other.mean[f] - into->mean[f];
    into->mean[f] = into->mean[f] + d * (nb / n);
    into->m2[f] = into->m2[f] + other.m2[f] + d * d * (na * nb / n);
  }
  into->count += other.count;
  return DetectStatus::kOk;
}

bool values_finite(const float* values, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    const float v = values[i];
    if (!(v == v) || v - v != 0.0f) return false;  // NaN, or +-inf (inf - inf is NaN)
  }
  return true;
}

}  // namespace tmf::detect
