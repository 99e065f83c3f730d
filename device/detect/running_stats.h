// Welford running mean and variance per feature, in double, over whole windows of F features.
// Shared by the baseline learner and the feature sketches; mergeable (Chan et al.'s pairwise
// update) so a host can combine sketches from batches or devices. Double on every core: soft-float
// on Cortex-M4/M33 is exact IEEE-754 as the host's SSE2 is, and the library is compiled with
// -ffp-contract=off, so the same windows give the same bits everywhere.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

constexpr uint32_t kDetectMaxFeatures = 4096;

struct RunningStats {
  uint32_t feature_count;  // F
  uint32_t count;          // windows added
  double* mean;            // [F], in caller memory
  double* m2;              // [F]: sum of squared deviations from the running mean
};

// Bytes of caller memory for F features: 16 * F (mean, then m2).
uint32_t running_stats_bytes(uint32_t feature_count);

// memory: running_stats_bytes(F) bytes, 8-byte aligned, owned by the caller while stats is used.
// Errors: kErrNullArgument, kErrBadConfig (F == 0 or > kDetectMaxFeatures), kErrMisaligned,
// kErrMemoryTooSmall.
DetectStatus running_stats_init(RunningStats* stats, uint32_t feature_count, void* memory,
                                uint32_t bytes);

void running_stats_reset(RunningStats* stats);

// Adds one window: for each f in order, n = count + 1, d = x - mean, mean += d / n,
// m2 += d * (x - mean) (x widened to double). The caller checks the values are finite.
void running_stats_add(RunningStats* stats, const float* values);

// Population variance m2 / count of feature f (0 when count is 0).
double running_stats_variance(const RunningStats& stats, uint32_t f);

// into += other (same F): n = na + nb, d = mean_b - mean_a, mean = mean_a + d * (nb / n),
// m2 = m2_a + m2_b + d * d * (na * nb / n). Errors: kErrNullArgument, kErrMismatch (F differs).
DetectStatus running_stats_merge(RunningStats* into, const RunningStats& other);

// True when all `count` values are finite (no NaN, no infinity).
bool values_finite(const float* values, uint32_t count);

}  // namespace tmf::detect
