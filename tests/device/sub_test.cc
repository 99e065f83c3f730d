// SUB kernel. Expected bytes from closed-form arithmetic: every scale is a power of two, so each
// step of TFLM's int8 SUB (sub.h: inputs rescaled to 2 * max(s1, s2) with 20 bits of headroom,
// difference, output rescale) is exact except the last division by a power of two, which TFLM's
// RoundingDivideByPOT rounds half away from zero. The first case mirrors the layout of TFLM's
// int8 ADD/SUB tests (scales 0.25, 0.5 -> 1.0, zero points -10, 4, 13); the params are TFLM's
// Prepare values for those scales (derived by hand: multipliers 0.25, 0.5 and 2^-20; the host
// test lower_elementwise_test.cc checks the converter computes the same).
#include "device/runtime/kernels/sub.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

SubParams params_quarter_half_one(int32_t act_min, int32_t act_max) {
  SubParams p{};
  p.input1_offset = 10;
  p.input2_offset = -4;
  p.output_offset = 13;
  p.left_shift = kAddLeftShift;
  p.input1_multiplier = 1 << 30;  // 0.25 = 0.5 * 2^-1
  p.input1_shift = -1;
  p.input2_multiplier = 1 << 30;  // 0.5
  p.input2_shift = 0;
  p.output_multiplier = 1 << 30;  // 2^-20
  p.output_shift = -19;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

const Shape kShape1x2x2x1 = {4, {1, 2, 2, 1}};

Status run(const SubParams& p, float s1, int32_t zp1, float s2, int32_t zp2, float so, int32_t zpo,
           Shape shape1, Shape shape2, Shape out_shape, const int8_t* x1, uint32_t n1,
           const int8_t* x2, uint32_t n2, OpTest& t) {
  const uint16_t a = t.input(kTensorTypeInt8, shape1, s1, zp1);
  const uint16_t b = t.input(kTensorTypeInt8, shape2, s2, zp2);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, so, zpo);
  const uint16_t inputs[2] = {a, b};
  t.op(kOpSub, p, inputs, 2, &out, 1);
  const Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, x1, n1);
  t.set_input(1, x2, n2);
  return t.invoke();
}

TMF_TEST(Sub, NoActivationClosedForm) {
  // {-2, -1, 0, 1} (0.25, zp -10) - {1, 2, 3, 4} (0.5, zp 4) = {-3, -3, -3, -3} -> q -3 + 13.
  const int8_t x1[4] = {-18, -14, -10, -6};
  const int8_t x2[4] = {6, 8, 10, 12};
  OpTest t;
  TMF_ASSERT(run(params_quarter_half_one(-128, 127), 0.25f, -10, 0.5f, 4, 1.0f, 13, kShape1x2x2x1,
                 kShape1x2x2x1, kShape1x2x2x1, x1, 4, x2, 4, t) == Status::kOk);
  const int8_t expected[4] = {10, 10, 10, 10};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(Sub, ReluN1To1Clamps) {
  // {1, 0, -1, -2} - {-1, -1, 1, 4}: {2, 1, -2, -6}, clamped to [13 - 1, 13 + 1].
  const int8_t x1[4] = {-6, -10, -14, -18};
  const int8_t x2[4] = {2, 2, 6, 12};
  OpTest t;
  TMF_ASSERT(run(params_quarter_half_one(12, 14), 0.25f, -10, 0.5f, 4, 1.0f, 13, kShape1x2x2x1,
                 kShape1x2x2x1, kShape1x2x2x1, x1, 4, x2, 4, t) == Status::kOk);
  const int8_t expected[4] = {14, 14, 12, 12};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

// Scales 0.5, 0.5 -> 1.0, zero points 0: out = (x1 - x2) / 2, ties away from zero, saturated.
SubParams params_half_half_one() {
  SubParams p{};
  p.left_shift = kAddLeftShift;
  p.input1_multiplier = 1 << 30;  // 0.5 / (2 * 0.5) = 0.5
  p.input2_multiplier = 1 << 30;
  p.output_multiplier = 1 << 30;  // 1 / 2^20
  p.output_shift = -19;
  p.act_min = -128;
  p.act_max = 127;
  return p;
}

TMF_TEST(Sub, RoundsHalfAwayFromZeroAndSaturates) {
  const int8_t x1[6] = {3, 0, 1, 0, 127, -128};
  const int8_t x2[6] = {0, 3, 0, 1, -128, 127};
  const Shape shape = {2, {1, 6}};
  OpTest t;
  TMF_ASSERT(run(params_half_half_one(), 0.5f, 0, 0.5f, 0, 1.0f, 0, shape, shape, shape, x1, 6, x2,
                 6, t) == Status::kOk);
  const int8_t expected[6] = {2, -2, 1, -1, 127, -128};  // 1.5, -1.5, 0.5, -0.5, 127.5, -127.5
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
}

TMF_TEST(Sub, BroadcastsEitherOperand) {
  // [2, 3] - [1, 3] and [1] - [2, 3]: the smaller operand repeats.
  const int8_t rows[6] = {10, 20, 30, -10, -20, -30};
  const int8_t row[3] = {4, 8, -12};
  OpTest t;
  TMF_ASSERT(run(params_half_half_one(), 0.5f, 0, 0.5f, 0, 1.0f, 0, {2, {2, 3}}, {2, {1, 3}},
                 {2, {2, 3}}, rows, 6, row, 3, t) == Status::kOk);
  const int8_t expected[6] = {3, 6, 21, -7, -14, -9};  // 3, 6, 21, -7, -14, -9 exactly
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
  const int8_t scalar[1] = {-6};
  OpTest u;
  TMF_ASSERT(run(params_half_half_one(), 0.5f, 0, 0.5f, 0, 1.0f, 0, {1, {1}}, {2, {2, 3}},
                 {2, {2, 3}}, scalar, 1, rows, 6, u) == Status::kOk);
  const int8_t expected2[6] = {-8, -13, -18, 2, 7, 12};  // -8, -13, -18, 2, 7, 12
  TMF_EXPECT_BYTES_EQ(u.output_as<int8_t>(0), expected2, 6);
}

TMF_TEST(Sub, RejectsBadShapesAndParams) {
  const int8_t x[4] = {0, 0, 0, 0};
  {
    OpTest t;
    TMF_EXPECT(run(params_quarter_half_one(-128, 127), 0.25f, -10, 0.5f, 4, 1.0f, 13, kShape1x2x2x1,
                   {2, {1, 3}}, kShape1x2x2x1, x, 4, x, 3, t) == Status::kErrShapeMismatch);
  }
  {
    SubParams p = params_quarter_half_one(-128, 127);
    p.input2_offset = 5;  // not the tensor's own zero point
    OpTest t;
    TMF_EXPECT(run(p, 0.25f, -10, 0.5f, 4, 1.0f, 13, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1,
                   x, 4, x, 4, t) == Status::kErrBadParams);
  }
  {
    SubParams p = params_quarter_half_one(-128, 127);
    p.output_shift = 1;  // a multiplier above one would overflow the headroom
    OpTest t;
    TMF_EXPECT(run(p, 0.25f, -10, 0.5f, 4, 1.0f, 13, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1,
                   x, 4, x, 4, t) == Status::kErrBadParams);
  }
}

}  // namespace
}  // namespace tmf
