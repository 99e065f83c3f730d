// LEAKY_RELU kernel. Expected bytes from closed-form arithmetic: with s_in = s_out = 0.5 the
// identity multiplier is exactly 1 (Q31 2^30, shift 1) and alpha = 0.25 gives exactly 0.25
// (2^30, shift -1), so a negative even d = x - zp_in becomes d / 4 rounded half away from zero by TFLM's
// RoundingDivideByPOT (the doubling high multiply before it is exact for even d). Params are TFLM's
// Prepare values for these scales (QuantizeMultiplier of 1.0 and 0.25).
#include "device/runtime/kernels/leaky_relu.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

LeakyReluParams params_alpha_quarter(int32_t input_zp, int32_t output_zp) {
  LeakyReluParams p{};
  p.input_zero_point = input_zp;
  p.output_zero_point = output_zp;
  p.identity_multiplier = 1 << 30;
  p.identity_shift = 1;
  p.alpha_multiplier = 1 << 30;
  p.alpha_shift = -1;
  return p;
}

Status run(const LeakyReluParams& p, float s_in, float s_out, const int8_t* x, uint32_t n, OpTest& t) {
  const Shape shape = {2, {1, static_cast<int32_t>(n)}};
  const uint16_t in = t.input(kTensorTypeInt8, shape, s_in, p.input_zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, s_out, p.output_zero_point);
  t.op(kOpLeakyRelu, p, &in, 1, &out, 1);
  const Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, x, n);
  return t.invoke();
}

TMF_TEST(LeakyRelu, IdentityAboveZeroScaledBelowClosedForm) {
  const int8_t x[8] = {0, 1, 127, -2, -4, -6, -8, -128};
  OpTest t;
  TMF_ASSERT(run(params_alpha_quarter(0, 0), 0.5f, 0.5f, x, 8, t) == Status::kOk);
  // -2/4 = -0.5 -> -1, -6/4 = -1.5 -> -2 (ties away from zero).
  const int8_t expected[8] = {0, 1, 127, -1, -1, -2, -2, -32};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 8);
}

TMF_TEST(LeakyRelu, ZeroPointsShiftAndOutputSaturates) {
  // zp_in -20, zp_out 5: d = x + 20; out = 5 + d (d >= 0) or 5 + round(d / 4).
  const int8_t x[6] = {-20, -21, -22, 100, 107, -128};
  OpTest t;
  TMF_ASSERT(run(params_alpha_quarter(-20, 5), 0.5f, 0.5f, x, 6, t) == Status::kOk);
  // d = 0, -1, -2, 120, 127, -108: -1 is odd: the doubling high multiply gives round(-0.5) = 0
  // (its nudge rounds negative ties toward zero), then 0 / 2 = 0; -108 / 4 = -27.
  const int8_t expected[6] = {5, 5, 4, 125, 127, -22};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
}

TMF_TEST(LeakyRelu, RejectsBadParams) {
  const int8_t x[2] = {0, 0};
  {
    LeakyReluParams p = params_alpha_quarter(0, 0);
    p.output_zero_point = 3;  // not the output tensor's
    OpTest t;
    const Shape shape = {2, {1, 2}};
    const uint16_t in = t.input(kTensorTypeInt8, shape, 0.5f, 0);
    const uint16_t out = t.output(kTensorTypeInt8, shape, 0.5f, 0);
    t.op(kOpLeakyRelu, p, &in, 1, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
  {
    LeakyReluParams p = params_alpha_quarter(0, 0);
    p.identity_multiplier = -1;
    OpTest t;
    TMF_EXPECT(run(p, 0.5f, 0.5f, x, 2, t) == Status::kErrBadParams);
  }
  {
    OpTest t;  // shapes differ
    const uint16_t in = t.input(kTensorTypeInt8, {2, {1, 2}}, 0.5f, 0);
    const uint16_t out = t.output(kTensorTypeInt8, {2, {1, 3}}, 0.5f, 0);
    t.op(kOpLeakyRelu, params_alpha_quarter(0, 0), &in, 1, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrShapeMismatch);
  }
}

}  // namespace
}  // namespace tmf
