// device/detect baseline learner and running statistics.
// Oracle: mean and population variance recomputed in double by the two-pass formula over the
// same float values (sum, then sum of squared deviations), independent of Welford's update order.
#include "device/detect/baseline.h"

#include <math.h>
#include <string.h>

#include "device/detect/detect_status.h"
#include "device/detect/running_stats.h"
#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

constexpr uint32_t kMaxF = 40;
constexpr uint32_t kMaxWindows = 600;

float g_windows[kMaxWindows][kMaxF];
alignas(8) uint8_t g_memory[16 * kMaxF + 64];
float g_norm[2 * kMaxF];

uint32_t g_rng = 1;
double next_uniform() {  // [-1, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<double>(g_rng >> 8) / 8388608.0 - 1.0;
}

// Feature f: a level like an ln band energy (-25..15) plus noise whose spread varies by orders of
// magnitude between features (1e-3 .. 10), some features badly conditioned (level >> spread).
void make_windows(uint32_t count, uint32_t features, uint32_t seed) {
  g_rng = seed;
  for (uint32_t f = 0; f < features; ++f) {
    const double level = 20.0 * next_uniform() - 5.0;
    const double spread = pow(10.0, 4.0 * (0.5 * next_uniform() + 0.5) - 3.0);
    for (uint32_t w = 0; w < count; ++w) {
      g_windows[w][f] = static_cast<float>(level + spread * next_uniform());
    }
  }
}

struct Moments {
  double mean, variance;
};

// Two-pass over windows [0, count) of feature f, skipping windows whose `skip` flag is set.
Moments oracle(uint32_t count, uint32_t f, const bool* skip = nullptr) {
  double sum = 0.0;
  uint32_t n = 0;
  for (uint32_t w = 0; w < count; ++w) {
    if (skip && skip[w]) continue;
    sum += g_windows[w][f];
    ++n;
  }
  const double mean = sum / n;
  double sq = 0.0;
  for (uint32_t w = 0; w < count; ++w) {
    if (skip && skip[w]) continue;
    const double d = g_windows[w][f] - mean;
    sq += d * d;
  }
  return {mean, sq / n};
}

BaselineConfig config_for(uint32_t features, uint32_t target) {
  BaselineConfig c{};
  c.feature_count = features;
  c.target_windows = target;
  c.max_windows = target;
  c.min_windows = 2;
  c.variance_floor = 1e-12f;
  return c;
}

// The normalization of a baseline against the oracle over the same windows: offsets within half
// a float ulp of the double mean, scales within 1e-6 of 1 / sqrt(max(variance, floor)).
void expect_normalization(TmfTestState* tmf_test_state_, const float* norm, uint32_t features,
                          uint32_t count, float floor, const bool* skip = nullptr) {
  for (uint32_t f = 0; f < features; ++f) {
    const Moments m = oracle(count, f, skip);
    TMF_EXPECT(fabs(norm[f] - m.mean) <= fabs(m.mean) * 6.0e-8 + 1e-30);
    const double v = m.variance > floor ? m.variance : static_cast<double>(floor);
    const double want = 1.0 / sqrt(v);
    TMF_EXPECT(fabs(norm[features + f] - want) <= 1e-6 * want);
  }
}

TMF_TEST(DetectRunningStats, WelfordMatchesTwoPassOracle) {
  const uint32_t shapes[4][2] = {{1, 2}, {7, 3}, {32, 120}, {37, 600}};
  for (const auto& shape : shapes) {
    const uint32_t features = shape[0], count = shape[1];
    make_windows(count, features, 100 + features);
    RunningStats s{};
    TMF_ASSERT(running_stats_init(&s, features, g_memory, sizeof(g_memory)) == DetectStatus::kOk);
    for (uint32_t w = 0; w < count; ++w) running_stats_add(&s, g_windows[w]);
    TMF_EXPECT_EQ(s.count, count);
    for (uint32_t f = 0; f < features; ++f) {
      const Moments m = oracle(count, f);
      TMF_EXPECT(fabs(s.mean[f] - m.mean) <= 1e-12 * (fabs(m.mean) + 1.0));
      TMF_EXPECT(fabs(running_stats_variance(s, f) - m.variance) <= 1e-9 * m.variance + 1e-300);
    }
  }
}

TMF_TEST(DetectRunningStats, SizesAndMemoryChecks) {
  TMF_EXPECT_EQ(running_stats_bytes(32), 512);
  TMF_EXPECT_EQ(running_stats_bytes(0), 0);
  TMF_EXPECT_EQ(running_stats_bytes(kDetectMaxFeatures + 1), 0);
  RunningStats s{};
  TMF_EXPECT(running_stats_init(nullptr, 4, g_memory, 64) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(running_stats_init(&s, 4, nullptr, 64) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(running_stats_init(&s, 0, g_memory, 64) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(running_stats_init(&s, 4, g_memory + 4, 64) == DetectStatus::kErrMisaligned);
  TMF_EXPECT(running_stats_init(&s, 4, g_memory, 63) == DetectStatus::kErrMemoryTooSmall);
  TMF_EXPECT(running_stats_init(&s, 4, g_memory, 64) == DetectStatus::kOk);
  TMF_EXPECT(running_stats_variance(s, 0) == 0.0);
}

TMF_TEST(DetectRunningStats, FiniteCheck) {
  float v[3] = {1.0f, -2.0f, 3.0e38f};
  TMF_EXPECT(values_finite(v, 3));
  v[1] = NAN;
  TMF_EXPECT(!values_finite(v, 3));
  v[1] = INFINITY;
  TMF_EXPECT(!values_finite(v, 3));
  v[1] = -INFINITY;
  TMF_EXPECT(!values_finite(v, 3));
  TMF_EXPECT(values_finite(v, 1));
}

TMF_TEST(DetectBaseline, ReadyAtTargetAndMatchesOracle) {
  const uint32_t features = 32, target = 150;
  make_windows(target + 10, features, 5);
  Baseline b{};
  const BaselineConfig c = config_for(features, target);
  TMF_ASSERT(baseline_bytes(features) == 512);
  TMF_ASSERT(baseline_init(&b, c, g_memory, baseline_bytes(features)) == DetectStatus::kOk);
  TMF_EXPECT(baseline_normalization(b, g_norm) == DetectStatus::kErrNotReady);
  for (uint32_t w = 0; w + 1 < target; ++w) {
    TMF_ASSERT(baseline_add(&b, g_windows[w]) == BaselineState::kLearning);
  }
  TMF_EXPECT(baseline_add(&b, g_windows[target - 1]) == BaselineState::kReady);
  TMF_EXPECT_EQ(baseline_accepted(b), target);
  // Further windows are ignored.
  TMF_EXPECT(baseline_add(&b, g_windows[target]) == BaselineState::kReady);
  TMF_EXPECT_EQ(b.offered, target);
  TMF_ASSERT(baseline_normalization(b, g_norm) == DetectStatus::kOk);
  expect_normalization(tmf_test_state_, g_norm, features, target, c.variance_floor);
  // Reset forgets everything.
  baseline_reset(&b);
  TMF_EXPECT(b.state == BaselineState::kLearning);
  TMF_EXPECT_EQ(baseline_accepted(b), 0);
  TMF_EXPECT_EQ(b.offered, 0);
}

TMF_TEST(DetectBaseline, NonFiniteWindowsAreSkippedAndBudgetEnds) {
  const uint32_t features = 9;
  make_windows(40, features, 17);
  bool skip[40] = {};
  for (uint32_t w = 0; w < 40; w += 3) {
    skip[w] = true;
    g_windows[w][w % features] = (w % 2) ? NAN : INFINITY;
  }
  BaselineConfig c = config_for(features, 30);
  c.max_windows = 30;
  c.min_windows = 5;
  Baseline b{};
  TMF_ASSERT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kOk);
  BaselineState state = BaselineState::kLearning;
  uint32_t offered = 0;
  while (state == BaselineState::kLearning) state = baseline_add(&b, g_windows[offered++]);
  // 30 offered, 10 of them (0, 3, ..., 27) rejected: ready on the budget with 20 accepted.
  TMF_EXPECT(state == BaselineState::kReady);
  TMF_EXPECT_EQ(offered, 30);
  TMF_EXPECT_EQ(baseline_accepted(b), 20);
  TMF_ASSERT(baseline_normalization(b, g_norm) == DetectStatus::kOk);
  expect_normalization(tmf_test_state_, g_norm, features, 30, c.variance_floor, skip);
}

TMF_TEST(DetectBaseline, TooFewFiniteWindowsFail) {
  const uint32_t features = 3;
  make_windows(12, features, 23);
  for (uint32_t w = 0; w < 12; ++w) {
    if (w != 4) g_windows[w][1] = NAN;  // one finite window only
  }
  BaselineConfig c = config_for(features, 8);
  c.max_windows = 12;
  c.min_windows = 2;
  Baseline b{};
  TMF_ASSERT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kOk);
  for (uint32_t w = 0; w < 11; ++w) TMF_ASSERT(baseline_add(&b, g_windows[w]) == BaselineState::kLearning);
  TMF_EXPECT(baseline_add(&b, g_windows[11]) == BaselineState::kFailed);
  TMF_EXPECT_EQ(baseline_accepted(b), 1);
  TMF_EXPECT(baseline_normalization(b, g_norm) == DetectStatus::kErrNotReady);
}

TMF_TEST(DetectBaseline, VarianceFloorBoundsTheScale) {
  const uint32_t features = 4;
  BaselineConfig c = config_for(features, 5);
  c.variance_floor = 0.01f;
  Baseline b{};
  TMF_ASSERT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kOk);
  // Feature 0 constant, feature 1 tiny spread, features 2 and 3 well spread.
  const float rows[5][4] = {{3.5f, 1.000f, 0.0f, -4.0f},
                            {3.5f, 1.001f, 2.0f, -8.0f},
                            {3.5f, 1.000f, 4.0f, -4.0f},
                            {3.5f, 1.001f, 6.0f, -8.0f},
                            {3.5f, 1.000f, 8.0f, -6.0f}};
  for (const auto& r : rows) baseline_add(&b, r);
  TMF_ASSERT(b.state == BaselineState::kReady);
  TMF_ASSERT(baseline_normalization(b, g_norm) == DetectStatus::kOk);
  const float floored = static_cast<float>(1.0 / sqrt(static_cast<double>(0.01f)));
  TMF_EXPECT(g_norm[0] == 3.5f);
  TMF_EXPECT(g_norm[4] == floored);
  TMF_EXPECT(g_norm[5] == floored);
  TMF_EXPECT(g_norm[2] == 4.0f);
  TMF_EXPECT(g_norm[6] == static_cast<float>(1.0 / sqrt(8.0)));  // variance of 0,2,4,6,8
  TMF_EXPECT(g_norm[3] == -6.0f);
  TMF_EXPECT(g_norm[7] == static_cast<float>(1.0 / sqrt(3.2)));  // variance of -4,-8,-4,-8,-6
}

TMF_TEST(DetectBaseline, RejectsBadConfigs) {
  Baseline b{};
  const BaselineConfig good = config_for(4, 10);
  TMF_EXPECT(baseline_init(&b, good, g_memory, sizeof(g_memory)) == DetectStatus::kOk);
  BaselineConfig c = good;
  c.feature_count = 0;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.target_windows = 1, c.min_windows = 1;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.max_windows = 9;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.min_windows = 11;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.variance_floor = 0.0f;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.variance_floor = INFINITY;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  c = good, c.variance_floor = NAN;
  TMF_EXPECT(baseline_init(&b, c, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(baseline_init(&b, good, g_memory, baseline_bytes(4) - 1) == DetectStatus::kErrMemoryTooSmall);
  TMF_EXPECT(baseline_init(&b, good, g_memory + 4, 64) == DetectStatus::kErrMisaligned);
  TMF_EXPECT(baseline_init(nullptr, good, g_memory, 64) == DetectStatus::kErrNullArgument);
}

TMF_TEST(DetectStatusNames, EveryValueNamed) {
  const char* names[9];
  for (uint8_t i = 0; i < 9; ++i) {
    names[i] = detect_status_to_string(static_cast<DetectStatus>(i));
    TMF_EXPECT(strcmp(names[i], "unknown detect status") != 0);
    for (uint8_t j = 0; j < i; ++j) TMF_EXPECT(strcmp(names[i], names[j]) != 0);
  }
  TMF_EXPECT(strcmp(detect_status_to_string(static_cast<DetectStatus>(9)), "unknown detect status") == 0);
}

}  // namespace
}  // namespace tmf::detect
