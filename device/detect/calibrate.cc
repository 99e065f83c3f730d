// Threshold calibration from healthy scores (contract in calibrate.h).
#include "device/detect/calibrate.h"

#include "device/dsp/det_math.h"

namespace tmf::detect {
namespace {

bool finite(float v) { return v == v && v - v == 0.0f; }

// Finite values first (order kept), returns their count.
uint32_t partition_finite(float* x, uint32_t n) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (finite(x[i])) {
      const float v = x[i];
      x[i] = x[m];
      x[m++] = v;
    }
  }
  return m;
}

// n <= kCalibrationMaxWindows: insertion sort is small code and fast enough once per detector.
void sort_ascending(float* x, uint32_t n) {
  for (uint32_t i = 1; i < n; ++i) {
    const float v = x[i];
    uint32_t j = i;
    for (; j > 0 && x[j - 1] > v; --j) x[j] = x[j - 1];
    x[j] = v;
  }
}

}  // namespace

bool calibration_config_valid(const CalibrationConfig& c) {
  if (c.windows == 0) return true;
  const float p = c.false_alarm_probability, t = c.tail_fraction;
  return c.windows >= 4 && c.windows <= kCalibrationMaxWindows && p > 0.0f && p <= 0.5f &&
         t > 0.0f && t <= 0.5f && finite(c.min_threshold) && c.min_threshold >= 0.0f;
}

DetectStatus calibrate_threshold(float* scores, uint32_t n, const CalibrationConfig& c,
                                 float* threshold) {
  if (scores == nullptr || threshold == nullptr) return DetectStatus::kErrNullArgument;
  if (c.windows == 0 || !calibration_config_valid(c) || n < 4 || n > kCalibrationMaxWindows) {
    return DetectStatus::kErrBadConfig;
  }
  const uint32_t m = partition_finite(scores, n);
  if (m < 4) return DetectStatus::kErrNotReady;
  sort_ascending(scores, m);
  const float p = c.false_alarm_probability;
  const float mf = static_cast<float>(m);
  float kf = c.tail_fraction * mf;
  uint32_t k = static_cast<uint32_t>(kf);
  if (static_cast<float>(k) < kf) ++k;
  if (k < 2) k = 2;
  if (k > m - 1) k = m - 1;
  const uint32_t j = static_cast<uint32_t>(p * mf);  // floor: p * m >= 0
  float t;
  if (j >= k) {
    t = scores[m - 1 - j];
  } else {
    const float u = scores[m - 1 - k];
    float sum = 0.0f;
    for (uint32_t i = 0; i < k; ++i) sum += scores[m - k + i] - u;
    const float beta = sum / static_cast<float>(k);
    t = u + beta * dsp::det_logf(static_cast<float>(k) / (mf * p));
  }
  *threshold = t > c.min_threshold ? t : c.min_threshold;
  return DetectStatus::kOk;
}

}  // namespace tmf::detect
