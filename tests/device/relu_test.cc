// RELU kernel: TFLM's int8 test vector (tflite-micro kernels/activations_test.cc,
// "SimpleReluTestInt8", exact in TFLM too), then all 256 inputs against the closed form
// clamp(round(s_in / s_out * (x - zp_in)) + zp_out, zp_out, 127) for the ratios 2 and 0.6
// (multipliers with shift >= 0, so TFLM rounds once), and TFLM's double rounding for a negative
// shift, traced by hand.
// Params are TFLM's Prepare values (QuantizeMultiplier(s_in / s_out)), computed offline. Plus
// prepare() rejections.
#include "device/runtime/kernels/relu.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

ReluParams relu_params(int32_t zp_in, int32_t zp_out, int32_t multiplier, int32_t shift) {
  ReluParams p{};
  p.input_zero_point = zp_in;
  p.output_zero_point = zp_out;
  p.output_multiplier = multiplier;
  p.output_shift = shift;
  p.act_min = zp_out > -128 ? zp_out : -128;
  p.act_max = 127;
  return p;
}

void build_relu(OpTest& t, const ReluParams& p, Shape shape, float s_in, float s_out) {
  const uint16_t in = t.input(kTensorTypeInt8, shape, s_in, p.input_zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, s_out, p.output_zero_point);
  t.op(kOpRelu, p, &in, 1, &out, 1);
}

TMF_TEST(Relu, TflmSimpleInt8) {
  // {1..5, -1..-5} at scale 0.5, zp 0 in and out: ratio 1 = 2^30 * 2^-31 * 2^1.
  OpTest t;
  build_relu(t, relu_params(0, 0, 1 << 30, 1), Shape{2, {1, 10}}, 0.5f, 0.5f);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[10] = {2, 4, 6, 8, 10, -2, -4, -6, -8, -10};
  t.set_input(0, x, 10);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[10] = {2, 4, 6, 8, 10, 0, 0, 0, 0, 0};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 10);
}

TMF_TEST(Relu, AllInputsMatchClosedForm) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  {
    // s_in 1, s_out 0.5: ratio 2 = 2^30 * 2^-31 * 2^2, exact: clamp(2 (x + 10) + 5, 5, 127).
    OpTest t;
    build_relu(t, relu_params(-10, 5, 1 << 30, 2), Shape{1, {256}}, 1.0f, 0.5f);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (int i = 0; i < 256; ++i) {
      const int32_t q = 2 * (x[i] + 10) + 5;
      TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], q < 5 ? 5 : (q > 127 ? 127 : q));
    }
  }
  {
    // s_in 0.6, s_out 1: ratio 0.6f = 1288490240 * 2^-31 (shift 0, so a single rounding);
    // zp_in 7, zp_out -20. 0.6 d is never a tie; skip the values within 0.01 of one anyway.
    OpTest t;
    build_relu(t, relu_params(7, -20, 1288490240, 0), Shape{1, {256}}, 0.6f, 1.0f);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    int exact = 0;
    for (int i = 0; i < 256; ++i) {
      const double real = static_cast<double>(0.6f) * (x[i] - 7);
      if (fabs(real - floor(real) - 0.5) < 0.01) continue;
      const int32_t q = static_cast<int32_t>(floor(real + 0.5)) - 20;
      TMF_EXPECT_EQ(t.output_as<int8_t>(0)[i], q < -20 ? -20 : (q > 127 ? 127 : q));
      ++exact;
    }
    TMF_EXPECT_EQ(exact, 256);
  }
}

TMF_TEST(Relu, DoubleRoundingOfNegativeShifts) {
  // TFLM rounds twice when the shift is negative: ratio 0.3f = 1288490240 * 2^-31 * 2^-1 maps
  // d = 1 to round(0.6) = 1 in the doubling high multiply, then 1 / 2 = 0.5 rounds away from
  // zero to 1, where round(0.3) would be 0; d = 3: round(1.8) = 2, 2 / 2 = 1.
  OpTest t;
  build_relu(t, relu_params(0, 0, 1288490240, -1), Shape{1, {4}}, 0.3f, 1.0f);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[4] = {1, 3, 5, 2};
  t.set_input(0, x, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  // d = 5: round(3.0) = 3, 3 / 2 = 1.5 -> 2; d = 2: round(1.2) = 1, 1 / 2 -> 1.
  const int8_t expected[4] = {1, 1, 2, 1};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

Status build_status(const ReluParams& p, TensorType out_type, Shape out_shape) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{1, {8}}, 0.5f, p.input_zero_point);
  const uint16_t out = t.output(out_type, out_shape, 0.5f, 3);
  t.op(kOpRelu, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Relu, RejectsBadParams) {
  const ReluParams good = relu_params(0, 3, 1 << 30, 1);
  const Shape shape = {1, {8}};
  TMF_EXPECT(build_status(good, kTensorTypeInt8, shape) == Status::kOk);
  TMF_EXPECT(build_status(good, kTensorTypeInt16, shape) == Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(good, kTensorTypeInt8, Shape{1, {7}}) == Status::kErrShapeMismatch);
  ReluParams p = good;
  p.output_zero_point = 4;  // not the tensor's
  TMF_EXPECT(build_status(p, kTensorTypeInt8, shape) == Status::kErrBadParams);
  p = good;
  p.output_shift = -32;
  TMF_EXPECT(build_status(p, kTensorTypeInt8, shape) == Status::kErrBadParams);
  p = good;
  p.act_min = -129;
  TMF_EXPECT(build_status(p, kTensorTypeInt8, shape) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
