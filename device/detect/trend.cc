// Holt's double EWMA trend score (contract in trend.h).
#include "device/detect/trend.h"

namespace tmf::detect {
namespace {

bool finite(float v) { return v == v && v - v == 0.0f; }

}  // namespace

DetectStatus trend_init(Trend* trend, const TrendConfig& config, float mean, float std) {
  if (trend == nullptr) return DetectStatus::kErrNullArgument;
  if (!(config.rate > 0.0f && config.rate < 1.0f) || !finite(config.clamp) || !(config.clamp > 0.0f) ||
      !finite(std) || !(std > 0.0f) || !finite(mean)) {
    return DetectStatus::kErrBadConfig;
  }
  trend->config = config;
  trend->std = std;
  trend->level = mean;
  trend->slope = 0.0f;
  return DetectStatus::kOk;
}

float trend_score(const Trend& trend) {
  if (!(trend.slope > 0.0f)) return 0.0f;
  const float z = trend.slope / (trend.config.rate * trend.std);
  return z * z;
}

float trend_push(Trend* trend, float x) {
  if (!finite(x)) return trend_score(*trend);
  const float cap = trend->config.clamp * trend->std;
  float d = x - trend->level;
  if (d > cap) d = cap;
  if (d < -cap) d = -cap;
  const float previous = trend->level;
  trend->level = previous + trend->config.rate * d;
  const float rise = trend->level - previous;
  trend->slope = trend->slope + trend->config.rate * (rise - trend->slope);
  return trend_score(*trend);
}

}  // namespace tmf::detect
