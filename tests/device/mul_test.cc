// MUL kernel: TFLM's int8 test vectors (tflite-micro kernels/mul_test.cc:
// "SimpleInt8NoAcativationShouldMatchGolden", its RELU variant, "BroadcastInt8NoAcativation...");
// their exact products are whole output steps, so the expected bytes follow from closed-form
// arithmetic (TFLM allows +-1; these match exactly). Then TFLM's rounding rules pinned on exact
// halves: the doubling high multiply rounds ties toward +infinity, the final shift rounds them
// away from zero. Params are TFLM's Prepare values for the scales, computed offline. Plus
// prepare() rejections.
#include "device/runtime/kernels/mul.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

MulParams mul_params(int32_t multiplier, int32_t shift, int32_t act_min) {
  MulParams p{};
  p.output_multiplier = multiplier;
  p.output_shift = shift;
  p.act_min = act_min;
  p.act_max = 127;
  return p;
}

void build_mul(OpTest& t, const MulParams& p, Shape s1, Shape s2, Shape out_shape, float in_scale,
               float out_scale) {
  const uint16_t a = t.input(kTensorTypeInt8, s1, in_scale, 0);
  const uint16_t b = t.input(kTensorTypeInt8, s2, in_scale, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, out_scale, 0);
  const uint16_t inputs[2] = {a, b};
  t.op(kOpMul, p, inputs, 2, &out, 1);
}

const Shape kShape1x2x2x1 = {4, {1, 2, 2, 1}};
// {-0.8, 0.2, 0.9, 0.7} * {0.6, 0.4, 0.9, 0.8} at scale 0.01: real multiplier 0.01 =
// 1374389504 * 2^-31 * 2^-6.
const int8_t kSimple1[4] = {-80, 20, 90, 70};
const int8_t kSimple2[4] = {60, 40, 90, 80};

TMF_TEST(Mul, SimpleInt8MatchesTflmGolden) {
  OpTest t;
  build_mul(t, mul_params(1374389504, -6, -128), kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1, 0.01f,
            0.01f);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kSimple1, 4);
  t.set_input(1, kSimple2, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {-48, 8, 81, 56};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(Mul, FusedReluClampsAtZeroPoint) {
  OpTest t;
  build_mul(t, mul_params(1374389504, -6, 0), kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1, 0.01f,
            0.01f);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kSimple1, 4);
  t.set_input(1, kSimple2, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {0, 8, 81, 56};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(Mul, BroadcastInt8MatchesTflmGolden) {
  // {-2.0, 0.2, 0.7, 0.8, 1.1, 2.0} [1, 3, 1, 2] * 0.1 [1], inputs at 0.05, output at 0.01:
  // real multiplier 0.25 (+2.6e-8: 0.05f^2 / 0.01f) = 1073741880 * 2^-31 * 2^-1.
  OpTest t;
  build_mul(t, mul_params(1073741880, -1, -128), Shape{4, {1, 3, 1, 2}}, Shape{1, {1}},
            Shape{4, {1, 3, 1, 2}}, 0.05f, 0.01f);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t values[6] = {-40, 4, 14, 16, 22, 40};
  const int8_t scalar = 2;
  t.set_input(0, values, 6);
  t.set_input(1, &scalar, 1);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[6] = {-20, 2, 7, 8, 11, 20};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
}

TMF_TEST(Mul, RoundsExactHalvesLikeTflm) {
  const int8_t x1[6] = {3, -3, 1, -1, 5, -5};
  {
    // Real multiplier 1/2 = 2^30 * 2^-31, shift 0: only the doubling high multiply rounds,
    // ties toward +infinity: 1.5 -> 2, -1.5 -> -1, 0.5 -> 1, -0.5 -> 0, 2.5 -> 3, -2.5 -> -2.
    OpTest t;
    build_mul(t, mul_params(1 << 30, 0, -128), Shape{1, {6}}, Shape{1, {1}}, Shape{1, {6}}, 1.0f,
              2.0f);
    TMF_ASSERT(t.build() == Status::kOk);
    const int8_t one = 1;
    t.set_input(0, x1, 6);
    t.set_input(1, &one, 1);
    TMF_ASSERT(t.invoke() == Status::kOk);
    const int8_t expected[6] = {2, -1, 1, 0, 3, -2};
    TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
  }
  {
    // Real multiplier 1/4 = 2^30 * 2^-31 * 2^-1 on products 2 * x1: the high multiply halves
    // exactly, the rounding shift rounds ties away from zero: 1.5 -> 2, -1.5 -> -2, ...
    OpTest t;
    build_mul(t, mul_params(1 << 30, -1, -128), Shape{1, {6}}, Shape{1, {1}}, Shape{1, {6}}, 1.0f,
              4.0f);
    TMF_ASSERT(t.build() == Status::kOk);
    const int8_t two = 2;
    t.set_input(0, x1, 6);
    t.set_input(1, &two, 1);
    TMF_ASSERT(t.invoke() == Status::kOk);
    const int8_t expected[6] = {2, -2, 1, -1, 3, -3};
    TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
  }
}

TMF_TEST(Mul, ZeroPointsAndSaturation) {
  // Input zero points 10 and -20, output zero point 5, real multiplier 1 (2^30 * 2^-31 * 2^1):
  // out = clamp((x1 - 10) * (x2 + 20) + 5).
  MulParams p = mul_params(1 << 30, 1, -128);
  p.input1_offset = -10;
  p.input2_offset = 20;
  p.output_offset = 5;
  OpTest t;
  const uint16_t a = t.input(kTensorTypeInt8, Shape{1, {4}}, 1.0f, 10);
  const uint16_t b = t.input(kTensorTypeInt8, Shape{1, {4}}, 1.0f, -20);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{1, {4}}, 1.0f, 5);
  const uint16_t inputs[2] = {a, b};
  t.op(kOpMul, p, inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t v1[4] = {12, 7, -128, 127};
  const int8_t v2[4] = {-17, -18, 127, 127};
  t.set_input(0, v1, 4);
  t.set_input(1, v2, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {2 * 3 + 5, -3 * 2 + 5, -128, 127};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

Status build_status(const MulParams& p, Shape s1, Shape s2, Shape out_shape) {
  OpTest t;
  build_mul(t, p, s1, s2, out_shape, 0.01f, 0.01f);
  return t.build();
}

TMF_TEST(Mul, RejectsBadShapesAndParams) {
  const MulParams good = mul_params(1374389504, -6, -128);
  TMF_EXPECT(build_status(good, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kOk);
  TMF_EXPECT(build_status(good, Shape{1, {4}}, Shape{1, {3}}, Shape{1, {4}}) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(good, Shape{2, {2, 1}}, Shape{1, {3}}, Shape{1, {3}}) ==
             Status::kErrShapeMismatch);
  MulParams p = good;
  p.output_shift = 31;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.output_offset = 1;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.act_max = 128;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  {
    OpTest t;  // float output
    const uint16_t a = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.01f, 0);
    const uint16_t b = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.01f, 0);
    const uint16_t out = t.output(kTensorTypeFloat32, kShape1x2x2x1);
    const uint16_t inputs[2] = {a, b};
    t.op(kOpMul, good, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrTypeMismatch);
  }
}

}  // namespace
}  // namespace tmf
