// SCORE_KMEANS against a double-precision min over centroids of the squared distance, and closed
// forms: a centroid equal to dq(x) scores exactly 0; NaN centroids never win.
#include "device/runtime/kernels/score_kmeans.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr float kScale = 0.125f;
constexpr int32_t kZeroPoint = 3;

Status build(OpTest& t, int32_t k, int32_t f, const float* centroids, int32_t centroid_cols = -1,
             bool centroids_in_arena = false, bool params_mismatch = false) {
  const uint16_t x = t.input(kTensorTypeInt8, Shape{2, {1, f}}, kScale, kZeroPoint);
  const Shape cs{2, {k, centroid_cols >= 0 ? centroid_cols : f}};
  const uint16_t c = centroids_in_arena ? t.input(kTensorTypeFloat32, cs)
                                        : t.constant(kTensorTypeFloat32, cs, centroids);
  const uint16_t out = t.output(kTensorTypeFloat32, Shape{1, {1}});
  const ScoreKMeansParams p{kScale, params_mismatch ? kZeroPoint + 1 : kZeroPoint};
  const uint16_t inputs[2] = {x, c};
  t.op(kOpScoreKMeans, p, inputs, 2, &out, 1);
  return t.build();
}

TMF_TEST(ScoreKMeans, MatchesDoubleOracle) {
  const int32_t k = 5, f = 12;
  static float centroids[k * f];
  static int8_t x[f];
  uint32_t state = 4321;
  for (float& c : centroids) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<float>(static_cast<int32_t>(state >> 16) % 2000) / 100.0f - 10.0f;
  }
  for (int8_t& v : x) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<int8_t>(state >> 24);
  }
  OpTest t;
  TMF_ASSERT(build(t, k, f, centroids) == Status::kOk);
  t.set_input(0, x, f);
  TMF_ASSERT(t.invoke() == Status::kOk);
  double best = INFINITY;
  for (int32_t c = 0; c < k; ++c) {
    double d2 = 0.0;
    for (int32_t i = 0; i < f; ++i) {
      const double d = static_cast<double>(kScale) * (x[i] - kZeroPoint) - centroids[c * f + i];
      d2 += d * d;
    }
    best = d2 < best ? d2 : best;
  }
  TMF_EXPECT(fabs(t.output_as<float>(0)[0] - best) <= 1e-5 * best);
}

TMF_TEST(ScoreKMeans, CentroidOnTheInputScoresZeroAndNanNeverWins) {
  const int8_t x[3] = {11, -5, 3};
  // Centroid 1 is dq(x) exactly; centroid 0 holds a NaN; centroid 2 is far.
  const float centroids[9] = {NAN, 0.0f, 0.0f, 1.0f, -1.0f, 0.0f, 50.0f, 50.0f, 50.0f};
  OpTest t;
  TMF_ASSERT(build(t, 3, 3, centroids) == Status::kOk);
  t.set_input(0, x, 3);
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT(t.output_as<float>(0)[0] == 0.0f);
}

TMF_TEST(ScoreKMeans, RejectsCentroidWidthMismatch) {
  static const float centroids[8] = {};
  OpTest t;
  TMF_EXPECT(build(t, 2, 3, centroids, 4) == Status::kErrShapeMismatch);
}

TMF_TEST(ScoreKMeans, RejectsCentroidsInTheArena) {
  OpTest t;
  TMF_EXPECT(build(t, 2, 3, nullptr, -1, true) == Status::kErrTypeMismatch);
}

TMF_TEST(ScoreKMeans, RejectsParamsQuantizationMismatch) {
  static const float centroids[6] = {};
  OpTest t;
  TMF_EXPECT(build(t, 2, 3, centroids, -1, false, true) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
