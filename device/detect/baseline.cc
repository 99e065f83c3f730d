// Baseline learner (contract in baseline.h).
#include "device/detect/baseline.h"

#include <math.h>

namespace tmf::detect {
namespace {

bool config_valid(const BaselineConfig& c) {
  const float floor = c.variance_floor;
  return c.feature_count >= 1 && c.feature_count <= kDetectMaxFeatures && c.target_windows >= 2 &&
         c.max_windows >= c.target_windows && c.min_windows >= 2 &&
         c.min_windows <= c.target_windows && floor > 0.0f && floor - floor == 0.0f;
}

}  // namespace

uint32_t baseline_bytes(uint32_t feature_count) { return running_stats_bytes(feature_count); }

DetectStatus baseline_init(Baseline* baseline, const BaselineConfig& config, void* memory,
                           uint32_t bytes) {
  if (baseline == nullptr) return DetectStatus::kErrNullArgument;
  if (!config_valid(config)) return DetectStatus::kErrBadConfig;
  const DetectStatus s = running_stats_init(&baseline->stats, config.feature_count, memory, bytes);
  if (s != DetectStatus::kOk) return s;
  baseline->config = config;
  baseline_reset(baseline);
  return DetectStatus::kOk;
}

void baseline_reset(Baseline* baseline) {
  running_stats_reset(&baseline->stats);
  baseline->offered = 0;
  baseline->state = BaselineState::kLearning;
}

BaselineState baseline_add(Baseline* baseline, const float* features) {
  if (baseline->state != BaselineState::kLearning) return baseline->state;
  ++baseline->offered;
  if (values_finite(features, baseline->config.feature_count)) {
    running_stats_add(&baseline->stats, features);
  }
  if (baseline->stats.count >= baseline->config.target_windows) {
    baseline->state = BaselineState::kReady;
  } else if (baseline->offered >= baseline->config.max_windows) {
    baseline->state = baseline->stats.count >= baseline->config.min_windows ? BaselineState::kReady
                                                                           : BaselineState::kFailed;
  }
  return baseline->state;
}

DetectStatus baseline_normalization(const Baseline& baseline, float* norm) {
  if (norm == nullptr) return DetectStatus::kErrNullArgument;
  if (baseline.state != BaselineState::kReady) return DetectStatus::kErrNotReady;
  const uint32_t count = baseline.config.feature_count;
  const double floor = static_cast<double>(baseline.config.variance_floor);
  for (uint32_t f = 0; f < count; ++f) {
    const double variance = running_stats_variance(baseline.stats, f);
    norm[f] = static_cast<float>(baseline.stats.mean[f]);
    norm[count + f] = static_cast<float>(1.0 / sqrt(variance > floor ? variance : floor));
  }
  return DetectStatus::kOk;
}

}  // namespace tmf::detect
