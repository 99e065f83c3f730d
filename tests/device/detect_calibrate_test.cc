// device/detect threshold calibration (calibrate.h).
// Oracles, independent of the sort inside calibrate_threshold: the empirical quantile by its
// defining property, counted over the unsorted input (at most floor(p m) scores exceed T, more
// than that reach it); the tail rule recomputed in double from order statistics placed by counting
// ranks; and, statistically, the known quantile -ln(p) of an exponential distribution.
#include "device/detect/calibrate.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

constexpr uint32_t kMax = kCalibrationMaxWindows;
float g_in[kMax];
float g_work[kMax];

uint32_t g_rng = 7;
double next_unit() {  // (0, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return (static_cast<double>(g_rng >> 8) + 0.5) / 16777216.0;
}

// x sorted ascending by rank counting: element i goes to #(x_j < x_i) + #(j < i, x_j == x_i).
double g_sorted[kMax];
void sort_by_rank(const float* x, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t rank = 0;
    for (uint32_t j = 0; j < n; ++j) rank += (x[j] < x[i] || (j < i && x[j] == x[i])) ? 1u : 0u;
    g_sorted[rank] = x[i];
  }
}

uint32_t count_above(const float* x, uint32_t n, float t, bool or_equal) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < n; ++i) c += (or_equal ? x[i] >= t : x[i] > t) ? 1u : 0u;
  return c;
}

CalibrationConfig config(uint32_t n, float p, float tail) { return {n, p, tail, 0.0f}; }

TMF_TEST(DetectCalibrate, EmpiricalQuantileByDefinition) {
  const float ps[] = {0.5f, 0.25f, 0.1f, 0.05f, 0.02f};
  for (uint32_t n = 8; n <= kMax; n += 31) {
    for (float p : ps) {
      for (uint32_t rep = 0; rep < 3; ++rep) {
        for (uint32_t i = 0; i < n; ++i) {
          // Ties on purpose in the third repetition (scores on a coarse grid, as int8 features give).
          const double u = next_unit() * 10.0;
          g_in[i] = rep == 2 ? static_cast<float>(floor(u)) : static_cast<float>(u);
        }
        memcpy(g_work, g_in, 4 * n);
        const float tail = 0.05f;  // k small, so the empirical branch applies whenever p n >= k
        uint32_t k = static_cast<uint32_t>(ceil(tail * n));
        k = k < 2 ? 2 : (k > n - 1 ? n - 1 : k);
        const uint32_t j = static_cast<uint32_t>(floor(static_cast<double>(p) * n));
        if (j < k) continue;
        float t = -1.0f;
        TMF_EXPECT(calibrate_threshold(g_work, n, config(n, p, tail), &t) == DetectStatus::kOk);
        TMF_EXPECT(count_above(g_in, n, t, false) <= j);
        TMF_EXPECT(count_above(g_in, n, t, true) > j);
      }
    }
  }
}

TMF_TEST(DetectCalibrate, ExponentialTailMatchesDoubleRecomputation) {
  for (uint32_t n = 12; n <= kMax; n += 17) {
    const float tail_ps[] = {1e-2f, 1e-3f, 1e-5f};
    for (float p : tail_ps) {
      for (uint32_t i = 0; i < n; ++i) g_in[i] = static_cast<float>(2.0 - 1.5 * log(next_unit()));
      memcpy(g_work, g_in, 4 * n);
      const float tail = 0.25f;
      uint32_t k = static_cast<uint32_t>(ceil(static_cast<double>(tail) * n));
      k = k < 2 ? 2 : (k > n - 1 ? n - 1 : k);
      if (static_cast<uint32_t>(floor(static_cast<double>(p) * n)) >= k) continue;
      sort_by_rank(g_in, n);
      const double u = g_sorted[n - 1 - k];
      double beta = 0.0;
      for (uint32_t i = 0; i < k; ++i) beta += g_sorted[n - k + i] - u;
      beta /= k;
      const double want = u + beta * log(static_cast<double>(k) / (n * static_cast<double>(p)));
      float t = 0.0f;
      TMF_EXPECT(calibrate_threshold(g_work, n, config(n, p, tail), &t) == DetectStatus::kOk);
      TMF_EXPECT(fabs(t - want) <= 1e-4 * fabs(want) + 1e-5);
    }
  }
}

TMF_TEST(DetectCalibrate, ExponentialQuantileRecovered) {
  // Exp(1): the (1 - p) quantile is -ln p. 40 samples of 256 scores at p = 1e-4 (9.21): the
  // estimate's mean within 5 %, every estimate within 35 % (beta from 64 excesses has a 12.5 %
  // standard error).
  const double want = -log(1e-4);
  double sum = 0.0;
  for (uint32_t rep = 0; rep < 40; ++rep) {
    for (uint32_t i = 0; i < kMax; ++i) g_work[i] = static_cast<float>(-log(next_unit()));
    float t = 0.0f;
    TMF_EXPECT(calibrate_threshold(g_work, kMax, config(kMax, 1e-4f, 0.25f), &t) == DetectStatus::kOk);
    TMF_EXPECT(fabs(t - want) < 0.35 * want);
    sum += t;
  }
  TMF_EXPECT(fabs(sum / 40 - want) < 0.05 * want);
}

TMF_TEST(DetectCalibrate, NonFiniteFloorAndErrors) {
  // NaN and inf are dropped: the result equals the one over the finite scores alone.
  for (uint32_t i = 0; i < 20; ++i) g_in[i] = static_cast<float>(i);
  memcpy(g_work, g_in, 80);
  float clean = 0.0f, dirty = 0.0f;
  TMF_EXPECT(calibrate_threshold(g_work, 20, config(20, 1e-3f, 0.25f), &clean) == DetectStatus::kOk);
  for (uint32_t i = 0; i < 20; ++i) g_work[i] = g_in[i];
  g_work[20] = NAN;
  g_work[21] = INFINITY;
  g_work[22] = -INFINITY;
  // Shuffle the non-finite ones into the front half.
  float tmp = g_work[3];
  g_work[3] = g_work[20], g_work[20] = tmp;
  TMF_EXPECT(calibrate_threshold(g_work, 23, config(23, 1e-3f, 0.25f), &dirty) == DetectStatus::kOk);
  TMF_EXPECT(clean == dirty);
  // All scores equal (a clipped, silent detector): beta = 0 and the floor decides.
  for (uint32_t i = 0; i < 16; ++i) g_work[i] = 0.0f;
  CalibrationConfig c = config(16, 1e-3f, 0.25f);
  c.min_threshold = 2.5f;
  float t = 0.0f;
  TMF_EXPECT(calibrate_threshold(g_work, 16, c, &t) == DetectStatus::kOk);
  TMF_EXPECT(t == 2.5f);
  // Errors.
  TMF_EXPECT(calibrate_threshold(nullptr, 16, c, &t) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(calibrate_threshold(g_work, 16, c, nullptr) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(calibrate_threshold(g_work, 3, c, &t) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(calibrate_threshold(g_work, kMax + 1, c, &t) == DetectStatus::kErrBadConfig);
  for (uint32_t i = 0; i < 16; ++i) g_work[i] = i < 13 ? NAN : 1.0f;
  TMF_EXPECT(calibrate_threshold(g_work, 16, c, &t) == DetectStatus::kErrNotReady);
  TMF_EXPECT(calibration_config_valid({0, 0.0f, 0.0f, 0.0f}));
  TMF_EXPECT(!calibration_config_valid({16, 0.0f, 0.25f, 0.0f}));
  TMF_EXPECT(!calibration_config_valid({16, 0.6f, 0.25f, 0.0f}));
  TMF_EXPECT(!calibration_config_valid({16, 0.01f, 0.75f, 0.0f}));
  TMF_EXPECT(!calibration_config_valid({16, 0.01f, 0.25f, -1.0f}));
  TMF_EXPECT(!calibration_config_valid({3, 0.01f, 0.25f, 0.0f}));
}

}  // namespace
}  // namespace tmf::detect
