// SCORE_RECONSTRUCTION against a double-precision recomputation of mean((dq(x) - dq(y))^2) and
// closed forms: equal real values under different quantizations score exactly 0; a difference of
// exactly one everywhere scores exactly 1.
#include "device/runtime/kernels/score_reconstruction.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

struct Quant {
  float scale;
  int32_t zero_point;
};

Status build(OpTest& t, int32_t f, Quant qx, Quant qy, Shape y_shape = Shape{0, {}},
             TensorType out_type = kTensorTypeFloat32, int32_t out_elements = 1,
             bool params_mismatch = false) {
  const uint16_t x = t.input(kTensorTypeInt8, Shape{2, {1, f}}, qx.scale, qx.zero_point);
  const uint16_t y = t.input(kTensorTypeInt8, y_shape.rank ? y_shape : Shape{2, {1, f}}, qy.scale,
                             qy.zero_point);
  const uint16_t out = out_type == kTensorTypeFloat32
                           ? t.output(kTensorTypeFloat32, Shape{1, {out_elements}})
                           : t.output(out_type, Shape{1, {out_elements}}, 1.0f, 0);
  const ScoreReconstructionParams p{qx.scale, qx.zero_point,
                                    params_mismatch ? qy.scale * 2.0f : qy.scale, qy.zero_point};
  const uint16_t inputs[2] = {x, y};
  t.op(kOpScoreReconstruction, p, inputs, 2, &out, 1);
  return t.build();
}

float run(OpTest& t, const int8_t* x, const int8_t* y, uint32_t f) {
  t.set_input(0, x, f);
  t.set_input(1, y, f);
  if (t.invoke() != Status::kOk) return NAN;
  return t.output_as<float>(0)[0];
}

TMF_TEST(ScoreReconstruction, MatchesDoubleOracle) {
  const uint32_t f = 37;
  static int8_t x[f], y[f];
  uint32_t state = 99;
  for (uint32_t i = 0; i < f; ++i) {
    state = state * 1103515245u + 12345u;
    x[i] = static_cast<int8_t>(state >> 24);
    state = state * 1103515245u + 12345u;
    y[i] = static_cast<int8_t>(state >> 24);
  }
  const Quant qx{0.0375f, -7}, qy{0.0421f, 12};
  OpTest t;
  TMF_ASSERT(build(t, f, qx, qy) == Status::kOk);
  const float got = run(t, x, y, f);
  double sum = 0.0;
  for (uint32_t i = 0; i < f; ++i) {
    const double d = static_cast<double>(qx.scale) * (x[i] - qx.zero_point) -
                     static_cast<double>(qy.scale) * (y[i] - qy.zero_point);
    sum += d * d;
  }
  const double expected = sum / f;
  TMF_EXPECT(fabs(got - expected) <= 1e-5 * expected);
}

TMF_TEST(ScoreReconstruction, SameRealValuesScoreZero) {
  // y = 2x + 10 at scale 0.25, zero point 10 reads 0.5x: the same as x at 0.5.
  int8_t x[8], y[8];
  for (int i = 0; i < 8; ++i) {
    x[i] = static_cast<int8_t>(i * 7 - 30);
    y[i] = static_cast<int8_t>(2 * x[i] + 10);
  }
  OpTest t;
  TMF_ASSERT(build(t, 8, {0.5f, 0}, {0.25f, 10}) == Status::kOk);
  TMF_EXPECT(run(t, x, y, 8) == 0.0f);
}

TMF_TEST(ScoreReconstruction, UnitDifferenceScoresOne) {
  int8_t x[5] = {3, -4, 0, 100, -126}, y[5];
  for (int i = 0; i < 5; ++i) y[i] = static_cast<int8_t>(x[i] + (i % 2 ? 2 : -2));
  OpTest t;
  TMF_ASSERT(build(t, 5, {0.5f, 0}, {0.5f, 0}) == Status::kOk);
  TMF_EXPECT(run(t, x, y, 5) == 1.0f);
}

TMF_TEST(ScoreReconstruction, RejectsShapeMismatch) {
  OpTest t;
  TMF_EXPECT(build(t, 8, {0.5f, 0}, {0.5f, 0}, Shape{2, {1, 9}}) == Status::kErrShapeMismatch);
}

TMF_TEST(ScoreReconstruction, RejectsNonFloatOutput) {
  OpTest t;
  TMF_EXPECT(build(t, 8, {0.5f, 0}, {0.5f, 0}, Shape{0, {}}, kTensorTypeInt8) == Status::kErrTypeMismatch);
}

TMF_TEST(ScoreReconstruction, RejectsTwoOutputElements) {
  OpTest t;
  TMF_EXPECT(build(t, 8, {0.5f, 0}, {0.5f, 0}, Shape{0, {}}, kTensorTypeFloat32, 2) ==
             Status::kErrShapeMismatch);
}

TMF_TEST(ScoreReconstruction, RejectsParamsQuantizationMismatch) {
  OpTest t;
  TMF_EXPECT(build(t, 8, {0.5f, 0}, {0.5f, 0}, Shape{0, {}}, kTensorTypeFloat32, 1, true) ==
             Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
