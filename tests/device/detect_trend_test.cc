// device/detect trend indicator (Holt's double EWMA of one feature, docs/backtest.md).
// Oracle: states and scores derived by hand with a = 0.5, std = 1, clamp = 3 (every value dyadic,
// so exact in float whatever the rounding path); a long run checked against the same recurrences
// in double, and its float bits pinned from the host so the QEMU run proves bit-exactness.
#include "device/detect/trend.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::detect {
namespace {

uint32_t bits(float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  return u;
}

TMF_TEST(DetectTrend, StepByHand) {
  Trend t{};
  TMF_ASSERT(trend_init(&t, {0.5f, 3.0f}, 0.0f, 1.0f) == DetectStatus::kOk);
  TMF_EXPECT(trend_push(&t, 0.0f) == 0.0f);  // at the baseline: no rise
  // x = 1: L 0 -> 0.5, rise 0.5, S = 0 + 0.5 (0.5 - 0) = 0.25, score (0.25 / 0.5)^2 = 0.25.
  TMF_EXPECT(trend_push(&t, 1.0f) == 0.25f);
  TMF_EXPECT(t.level == 0.5f && t.slope == 0.25f);
  // x = 1: L 0.75, rise 0.25, S = 0.25 + 0.5 (0.25 - 0.25) = 0.25, score 0.25.
  TMF_EXPECT(trend_push(&t, 1.0f) == 0.25f);
  // x = 1: L 0.875, rise 0.125, S = 0.25 + 0.5 (0.125 - 0.25) = 0.1875, score 0.375^2 = 0.140625.
  TMF_EXPECT(trend_push(&t, 1.0f) == 0.140625f);
  // x = -4: d = -4.875 clamped to -3, L = -0.625, rise -1.5, S = 0.1875 + 0.5 (-1.5 - 0.1875)
  // = -0.65625: a falling level scores 0.
  TMF_EXPECT(trend_push(&t, -4.0f) == 0.0f);
  TMF_EXPECT(t.level == -0.625f && t.slope == -0.65625f);
  // Non-finite: nothing moves.
  TMF_EXPECT(trend_push(&t, NAN) == 0.0f);
  TMF_EXPECT(trend_push(&t, INFINITY) == 0.0f);
  TMF_EXPECT(t.level == -0.625f && t.slope == -0.65625f);
}

TMF_TEST(DetectTrend, ClampCapsAWildWindow) {
  Trend t{};
  TMF_ASSERT(trend_init(&t, {0.5f, 3.0f}, 2.0f, 0.5f) == DetectStatus::kOk);
  // x = 100: d = 98 capped at 3 * 0.5 = 1.5, L = 2.75, rise 0.75, S = 0.375,
  // score (0.375 / (0.5 * 0.5))^2 = 1.5^2 = 2.25.
  TMF_EXPECT(trend_push(&t, 100.0f) == 2.25f);
  TMF_EXPECT(t.level == 2.75f);
}

TMF_TEST(DetectTrend, RejectsBadConfig) {
  Trend t{};
  TMF_EXPECT(trend_init(nullptr, {0.5f, 3.0f}, 0.0f, 1.0f) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(trend_init(&t, {0.0f, 3.0f}, 0.0f, 1.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {1.0f, 3.0f}, 0.0f, 1.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {NAN, 3.0f}, 0.0f, 1.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {0.5f, 0.0f}, 0.0f, 1.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {0.5f, INFINITY}, 0.0f, 1.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {0.5f, 3.0f}, 0.0f, 0.0f) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(trend_init(&t, {0.5f, 3.0f}, NAN, 1.0f) == DetectStatus::kErrBadConfig);
}

// 300 windows at 40 s with tau = 10 min: a flat noisy level, then a ramp of 0.005 per window
// (its steady lag 0.005 / a = 0.078 plus the noise stays under the 0.15 clamp).
// The same recurrences in double stay within float rounding of the device's; the final bits are
// the host's (x86-64 SSE2), which the Cortex-M4 build under QEMU must reproduce exactly.
TMF_TEST(DetectTrend, RampMatchesDoubleAndHostBits) {
  const float a = 0.064493410f;  // 1 - exp(-40 / 600), rounded to float
  Trend t{};
  TMF_ASSERT(trend_init(&t, {a, 3.0f}, -1.0f, 0.05f) == DetectStatus::kOk);
  double level = -1.0, slope = 0.0;
  uint32_t rng = 7;
  float score = 0.0f;
  double max_error = 0.0;
  for (uint32_t w = 0; w < 300; ++w) {
    rng = rng * 1664525u + 1013904223u;
    const float noise = static_cast<float>(static_cast<int32_t>(rng >> 9) - (1 << 22)) * (0.05f / 4194304.0f);
    const float x = -1.0f + noise + (w >= 150 ? 0.005f * static_cast<float>(w - 150) : 0.0f);
    score = trend_push(&t, x);
    double d = static_cast<double>(x) - level;
    const double cap = 3.0 * 0.05;
    d = d > cap ? cap : (d < -cap ? -cap : d);
    const double previous = level;
    level += static_cast<double>(a) * d;
    slope += static_cast<double>(a) * ((level - previous) - slope);
    const double z = slope > 0 ? slope / (static_cast<double>(a) * 0.05) : 0.0;
    max_error = fmax(max_error, fabs(static_cast<double>(score) - z * z) / (z * z + 1.0));
  }
  TMF_EXPECT(max_error < 1e-4);
  // 150 windows into the ramp: S -> 0.005, score -> (0.005 / (a 0.05))^2 = 2.40.
  TMF_EXPECT(score > 2.0f && score < 2.8f);
  TMF_EXPECT_EQ(bits(score), 1074616466u);
  TMF_EXPECT_EQ(bits(t.level), 3198806393u);
  TMF_EXPECT_EQ(bits(t.slope), 1000146967u);
}

// A ramp faster than a * clamp * std per window drags the level at the cap, so the slope, and the
// score, saturate at (a clamp std / (a std))^2 = clamp^2: a steep rise scores 9, never more.
TMF_TEST(DetectTrend, SteepRampSaturatesAtClampSquared) {
  Trend t{};
  TMF_ASSERT(trend_init(&t, {0.5f, 3.0f}, 0.0f, 1.0f) == DetectStatus::kOk);
  float score = 0.0f;
  for (uint32_t w = 1; w <= 60; ++w) score = trend_push(&t, 100.0f * static_cast<float>(w));
  TMF_EXPECT(fabs(score - 9.0f) < 1e-5f);
}

}  // namespace
}  // namespace tmf::detect
