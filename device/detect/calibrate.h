// Per-machine alarm thresholds (issue 16 item 2): a device sets each detector's threshold from the
// scores of its own healthy windows after commissioning, for a stated false-alarm budget p (the
// probability that one healthy window's score exceeds the threshold), instead of a threshold
// fixed on other machines. Where p is below what the windows can show (p < k/n), an exponential
// tail (peaks over threshold, a generalized Pareto tail with shape 0) fitted to the k highest
// scores extrapolates. Freestanding, float only, det_logf: the same bits on host and device.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

constexpr uint32_t kCalibrationMaxWindows = 256;

struct CalibrationConfig {
  uint32_t windows;               // healthy scores per detector (0: off; 4..kCalibrationMaxWindows)
  float false_alarm_probability;  // p in (0, 0.5]: per window and detector
  float tail_fraction;            // (0, 0.5]: the top ceil(fraction * n) scores (at least 2) fit the tail
  float min_threshold;            // finite, >= 0: the threshold never falls below it
};

// windows == 0 (off) or every field in range.
bool calibration_config_valid(const CalibrationConfig& config);

// Threshold T for decisions "score > T". scores[0, n) are reordered (ascending, non-finite ones
// dropped to the end); let m = finite count (>= 4), s the sorted finite scores, k = clamp(ceil(
// tail_fraction * m), 2, m - 1), j = floor(p * m).
//   p * m >= k (the windows show the quantile): T = s[m - 1 - j], so at most j of the m scores
//     exceed T (the empirical (1 - p) quantile);
//   else: u = s[m - 1 - k], beta = mean(s[m - k + i] - u, i < k), T = u + beta * ln(k / (m p)).
// Then T = max(T, min_threshold). Errors: kErrNullArgument, kErrBadConfig (config, or n outside
// [4, kCalibrationMaxWindows]), kErrNotReady (fewer than 4 finite scores).
DetectStatus calibrate_threshold(float* scores, uint32_t n, const CalibrationConfig& config,
                                 float* threshold);

}  // namespace tmf::detect
