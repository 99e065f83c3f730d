// SCORE_MAHALANOBIS against a double-precision ||W (dq(x) - mean)||^2, and the closed form with
// W = I and mean 0: the squared norm of dq(x), exact for values on a coarse binary grid.
#include "device/runtime/kernels/score_mahalanobis.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr float kScale = 0.25f;
constexpr int32_t kZeroPoint = 4;

Status build(OpTest& t, int32_t f, const float* mean, const float* w, int32_t mean_elements = -1,
             int32_t w_cols = -1) {
  const uint16_t x = t.input(kTensorTypeInt8, Shape{2, {1, f}}, kScale, kZeroPoint);
  const uint16_t m = t.constant(kTensorTypeFloat32, Shape{1, {mean_elements >= 0 ? mean_elements : f}}, mean);
  const uint16_t wt = t.constant(kTensorTypeFloat32, Shape{2, {f, w_cols >= 0 ? w_cols : f}}, w);
  const uint16_t out = t.output(kTensorTypeFloat32, Shape{1, {1}});
  const ScoreMahalanobisParams p{kScale, kZeroPoint};
  const uint16_t inputs[3] = {x, m, wt};
  t.op(kOpScoreMahalanobis, p, inputs, 3, &out, 1);
  return t.build();
}

TMF_TEST(ScoreMahalanobis, MatchesDoubleOracle) {
  const int32_t f = 10;
  static float mean[f], w[f * f];
  static int8_t x[f];
  uint32_t state = 2024;
  for (float& v : mean) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(static_cast<int32_t>(state >> 20) % 600) / 100.0f - 3.0f;
  }
  for (float& v : w) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<float>(static_cast<int32_t>(state >> 20) % 200) / 100.0f - 1.0f;
  }
  for (int8_t& v : x) {
    state = state * 1664525u + 1013904223u;
    v = static_cast<int8_t>(state >> 25);
  }
  OpTest t;
  TMF_ASSERT(build(t, f, mean, w) == Status::kOk);
  t.set_input(0, x, f);
  TMF_ASSERT(t.invoke() == Status::kOk);
  double expected = 0.0;
  for (int32_t i = 0; i < f; ++i) {
    double row = 0.0;
    for (int32_t j = 0; j < f; ++j) {
      row += static_cast<double>(w[i * f + j]) *
             (static_cast<double>(kScale) * (x[j] - kZeroPoint) - mean[j]);
    }
    expected += row * row;
  }
  TMF_EXPECT(fabs(t.output_as<float>(0)[0] - expected) <= 1e-5 * expected);
}

TMF_TEST(ScoreMahalanobis, IdentityIsTheSquaredNorm) {
  const int8_t x[3] = {8, 0, 16};  // reads {1, -1, 3}
  const float mean[3] = {0.0f, 0.0f, 0.0f};
  const float w[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  OpTest t;
  TMF_ASSERT(build(t, 3, mean, w) == Status::kOk);
  t.set_input(0, x, 3);
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT(t.output_as<float>(0)[0] == 11.0f);
}

TMF_TEST(ScoreMahalanobis, RejectsNonSquareWhitening) {
  static const float z[12] = {};
  OpTest t;
  TMF_EXPECT(build(t, 3, z, z, -1, 4) == Status::kErrShapeMismatch);
}

TMF_TEST(ScoreMahalanobis, RejectsMeanLengthMismatch) {
  static const float z[12] = {};
  OpTest t;
  TMF_EXPECT(build(t, 3, z, z, 2) == Status::kErrShapeMismatch);
}

}  // namespace
}  // namespace tmf
