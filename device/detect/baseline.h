// Per-device baseline (issue 6 item 5): during commissioning a device learns the mean and the
// standard deviation of each raw feature over its own healthy windows and turns them into the
// normalization DSP_FEATURES applies (input 3, float32 [2, F]: offsets, then scales), so one model
// file serves a whole group and each sensor calibrates itself. docs/detect.md.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"
#include "device/detect/running_stats.h"

namespace tmf::detect {

struct BaselineConfig {
  uint32_t feature_count;   // F: 1..kDetectMaxFeatures
  uint32_t target_windows;  // learning ends when this many windows were accepted (>= 2)
  uint32_t max_windows;     // ... or when this many were offered (the budget, >= target_windows)
  uint32_t min_windows;     // at the budget, fewer accepted windows fail (2..target_windows)
  float variance_floor;     // finite, > 0: std = sqrt(max(variance, floor)), in feature units^2
};

enum class BaselineState : uint8_t {
  kLearning = 0,
  kReady,   // normalization available
  kFailed,  // budget spent with fewer than min_windows accepted: reset and learn again
};

struct Baseline {
  BaselineConfig config;
  RunningStats stats;  // over the accepted windows
  uint32_t offered;    // windows given to baseline_add since init/reset
  BaselineState state;
};

// Bytes of caller memory for F features (running_stats_bytes(F) = 16 * F); 0 for a bad F.
uint32_t baseline_bytes(uint32_t feature_count);

// Errors: kErrNullArgument, kErrBadConfig, kErrMisaligned (memory not 8-aligned),
// kErrMemoryTooSmall.
DetectStatus baseline_init(Baseline* baseline, const BaselineConfig& config, void* memory,
                           uint32_t bytes);

// Forgets every window (state kLearning, counters 0).
void baseline_reset(Baseline* baseline);

// Offers one window's raw features (F floats). A window with a non-finite value is counted as
// offered but not accepted. Returns the state after the window; a Ready or Failed baseline ignores
// further windows (returns its state unchanged, offered unchanged).
BaselineState baseline_add(Baseline* baseline, const float* features);

// norm[0, F) = float(mean), norm[F, 2F) = float(1 / sqrt(max(variance, variance_floor))), with the
// population variance m2 / accepted computed in double. Errors: kErrNullArgument, kErrNotReady.
DetectStatus baseline_normalization(const Baseline& baseline, float* norm);

// Accepted windows so far.
inline uint32_t baseline_accepted(const Baseline& baseline) { return baseline.stats.count; }

}  // namespace tmf::detect
