// ADD kernel: TFLM's int8 test vectors (tflite-micro kernels/add_test.cc: "QuantizedAddNoActivation
// Int8", "...ActivationRelu1Int8", "...WithMixedBroadcastInt8", "...WithScalarBroadcastInt8").
// Their float inputs and goldens are quantized here as TFLM's test does (round(v / scale) + zero
// point); every exact sum is an integer number of output steps, so the expected bytes follow from
// closed-form arithmetic and TFLM's tolerance of 0 holds. The params are TFLM's Prepare values
// for these scales (computed offline with its double-precision formulas; the host test checks
// the converter computes the same). Plus prepare() rejections.
#include "device/runtime/kernels/add.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// Scales 0.25, 0.5 -> 1.0: twice_max = 1.0, input multipliers 0.25 and 0.5, output 2^-20.
AddParams params_quarter_half_one(int32_t act_min, int32_t act_max) {
  AddParams p{};
  p.input1_offset = 10;
  p.input2_offset = -4;
  p.output_offset = 13;
  p.left_shift = kAddLeftShift;
  p.input1_multiplier = 1 << 30;
  p.input1_shift = -1;
  p.input2_multiplier = 1 << 30;
  p.input2_shift = 0;
  p.output_multiplier = 1 << 30;
  p.output_shift = -19;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

// inputs {-2.01, -1.01, -0.01, 0.98} (0.25, zp -10) + {1.01, 1.99, 2.99, 4.02} (0.5, zp 4).
const int8_t kInput1[4] = {-18, -14, -10, -6};
const int8_t kInput2[4] = {6, 8, 10, 12};

void build_quarter_half_one(OpTest& t, const AddParams& p, Shape shape1, Shape shape2,
                            Shape out_shape) {
  const uint16_t a = t.input(kTensorTypeInt8, shape1, 0.25f, -10);
  const uint16_t b = t.input(kTensorTypeInt8, shape2, 0.5f, 4);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 1.0f, 13);
  const uint16_t inputs[2] = {a, b};
  t.op(kOpAdd, p, inputs, 2, &out, 1);
}

const Shape kShape1x2x2x1 = {4, {1, 2, 2, 1}};

TMF_TEST(Add, NoActivationMatchesTflmGolden) {
  OpTest t;
  build_quarter_half_one(t, params_quarter_half_one(-128, 127), kShape1x2x2x1, kShape1x2x2x1,
                         kShape1x2x2x1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput1, 4);
  t.set_input(1, kInput2, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {12, 14, 16, 18};  // {-1, 1, 3, 5} + 13
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

TMF_TEST(Add, ReluN1To1ClampsToQuantizedRange) {
  OpTest t;  // RELU_N1_TO_1 at scale 1, zp 13: [13 - 1, 13 + 1]
  build_quarter_half_one(t, params_quarter_half_one(12, 14), kShape1x2x2x1, kShape1x2x2x1,
                         kShape1x2x2x1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput1, 4);
  t.set_input(1, kInput2, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {12, 14, 14, 14};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

// Mixed broadcast: input 1 [2, 3, 1, 2] (scale 0.1, zp -10) against four input 2 shapes
// (scale 0.05, zp -5), output scale 0.1, zp 7. Multipliers: 0.5, 0.25 and 2^-19.
const int8_t kBroadcastInput1[12] = {-13, 13, -1, -5, -2, -21, 2, 18, -26, -10, -3, -32};
const int8_t kBroadcastInput2[6] = {-1, 1, -13, 5, 15, 13};

struct BroadcastCase {
  Shape input2;
  Shape output;
  uint32_t output_count;
  int8_t expected[36];
};

const BroadcastCase kBroadcastCases[4] = {
    {{4, {1, 1, 3, 2}}, {4, {2, 3, 3, 2}}, 36, {6,  33, 0,   35, 14, 39, 18, 15,  12, 17,  26, 21,
                                                17, -1, 11,  1,  25, 5,  21, 38,  15, 40,  29, 44,
                                                -7, 10, -13, 12, 1,  16, 16, -12, 10, -10, 24, -6}},
    {{4, {1, 3, 1, 2}}, {4, {2, 3, 1, 2}}, 12, {6, 33, 12, 17, 25, 5, 21, 38, -13, 12, 24, -6}},
    {{4, {2, 1, 3, 1}}, {4, {2, 3, 3, 2}}, 36, {6,  32, 7,  33, 0,  26, 18, 14,  19, 15, 12, 8,
                                                17, -2, 18, -1, 11, -8, 24, 40,  29, 45, 28, 44,
                                                -4, 12, 1,  17, 0,  16, 19, -10, 24, -5, 23, -6}},
    {{4, {2, 3, 1, 1}}, {4, {2, 3, 1, 2}}, 12, {6, 32, 19, 15, 11, -8, 24, 40, 1, 17, 23, -6}},
};

AddParams params_broadcast() {
  AddParams p{};
  p.input1_offset = 10;
  p.input2_offset = 5;
  p.output_offset = 7;
  p.left_shift = kAddLeftShift;
  p.input1_multiplier = 1 << 30;
  p.input1_shift = 0;
  p.input2_multiplier = 1 << 30;
  p.input2_shift = -1;
  p.output_multiplier = 1 << 30;
  p.output_shift = -18;
  p.act_min = -128;
  p.act_max = 127;
  return p;
}

TMF_TEST(Add, MixedBroadcastMatchesTflmGoldens) {
  for (const BroadcastCase& c : kBroadcastCases) {
    OpTest t;
    const uint16_t a = t.input(kTensorTypeInt8, Shape{4, {2, 3, 1, 2}}, 0.1f, -10);
    const uint16_t b = t.input(kTensorTypeInt8, c.input2, 0.05f, -5);
    const uint16_t out = t.output(kTensorTypeInt8, c.output, 0.1f, 7);
    const uint16_t inputs[2] = {a, b};
    t.op(kOpAdd, params_broadcast(), inputs, 2, &out, 1);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, kBroadcastInput1, 12);
    t.set_input(1, kBroadcastInput2, 6);
    TMF_ASSERT(t.invoke() == Status::kOk);
    TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), c.expected, c.output_count);
  }
}

TMF_TEST(Add, ScalarBroadcastFromEitherSide) {
  // {-2.0, 0.2, 0.7, 0.8, 1.1, 2.0} (0.1, zp -8) + 0.1 (0.05, zp 4) at output 0.05, zp 12.
  const int8_t values[6] = {-28, -6, -1, 0, 3, 12};
  const int8_t scalar = 6;
  const int8_t expected[6] = {-26, 18, 28, 30, 36, 54};  // {-1.9, 0.3, 0.8, 0.9, 1.2, 2.1}
  const Shape shapes[2] = {{1, {6}}, {4, {1, 3, 1, 2}}};
  for (const Shape& shape : shapes) {
    for (int scalar_first = 0; scalar_first < 2; ++scalar_first) {
      AddParams p{};
      p.input1_offset = scalar_first ? -4 : 8;
      p.input2_offset = scalar_first ? 8 : -4;
      p.output_offset = 12;
      p.left_shift = kAddLeftShift;
      p.input1_multiplier = p.input2_multiplier = p.output_multiplier = 1 << 30;
      p.input1_shift = scalar_first ? -1 : 0;
      p.input2_shift = scalar_first ? 0 : -1;
      p.output_shift = -17;
      p.act_min = -128;
      p.act_max = 127;
      OpTest t;
      const uint16_t v = t.input(kTensorTypeInt8, shape, 0.1f, -8);
      const uint16_t s = t.input(kTensorTypeInt8, Shape{0, {}}, 0.05f, 4);
      const uint16_t out = t.output(kTensorTypeInt8, shape, 0.05f, 12);
      const uint16_t inputs[2] = {scalar_first ? s : v, scalar_first ? v : s};
      t.op(kOpAdd, p, inputs, 2, &out, 1);
      TMF_ASSERT(t.build() == Status::kOk);
      t.set_input(0, values, 6);  // graph inputs are in creation order: v, then s
      t.set_input(1, &scalar, 1);
      TMF_ASSERT(t.invoke() == Status::kOk);
      TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
    }
  }
}

TMF_TEST(Add, ConstantOperand) {
  OpTest t;
  const uint16_t a = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.25f, -10);
  const uint16_t b = t.constant(kTensorTypeInt8, kShape1x2x2x1, kInput2, 0.5f, 4);
  const uint16_t out = t.output(kTensorTypeInt8, kShape1x2x2x1, 1.0f, 13);
  const uint16_t inputs[2] = {a, b};
  t.op(kOpAdd, params_quarter_half_one(-128, 127), inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput1, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[4] = {12, 14, 16, 18};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 4);
}

Status build_status(const AddParams& p, Shape shape1, Shape shape2, Shape out_shape) {
  OpTest t;
  build_quarter_half_one(t, p, shape1, shape2, out_shape);
  return t.build();
}

TMF_TEST(Add, RejectsBadShapesAndParams) {
  const AddParams good = params_quarter_half_one(-128, 127);
  TMF_EXPECT(build_status(good, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kOk);
  // 3 against 2 in the last dimension; output not the broadcast shape.
  TMF_EXPECT(build_status(good, Shape{2, {2, 3}}, Shape{2, {2, 2}}, Shape{2, {2, 3}}) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(good, Shape{2, {2, 3}}, Shape{1, {3}}, Shape{2, {1, 3}}) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(good, Shape{2, {2, 1}}, Shape{1, {3}}, Shape{2, {2, 1}}) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(good, Shape{2, {2, 1}}, Shape{1, {3}}, Shape{2, {2, 3}}) == Status::kOk);
  AddParams p = good;
  p.left_shift = 21;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.input2_shift = 1;  // TFLM's multipliers for ADD are all below one
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.output_multiplier = -1;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.input1_offset = 11;  // not the tensor's zero point
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  p = good;
  p.act_min = 5;
  p.act_max = 4;
  TMF_EXPECT(build_status(p, kShape1x2x2x1, kShape1x2x2x1, kShape1x2x2x1) == Status::kErrBadParams);
  {
    OpTest t;  // int16 operand
    const uint16_t a = t.input(kTensorTypeInt16, kShape1x2x2x1, 0.25f, 0);
    const uint16_t b = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.5f, 4);
    const uint16_t out = t.output(kTensorTypeInt8, kShape1x2x2x1, 1.0f, 13);
    const uint16_t inputs[2] = {a, b};
    t.op(kOpAdd, good, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrTypeMismatch);
  }
  {
    OpTest t;  // one input only
    const uint16_t a = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.25f, -10);
    const uint16_t out = t.output(kTensorTypeInt8, kShape1x2x2x1, 1.0f, 13);
    t.op(kOpAdd, good, &a, 1, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadOperandCount);
  }
  {
    OpTest t;  // params of the wrong size
    const uint16_t a = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.25f, -10);
    const uint16_t b = t.input(kTensorTypeInt8, kShape1x2x2x1, 0.5f, 4);
    const uint16_t out = t.output(kTensorTypeInt8, kShape1x2x2x1, 1.0f, 13);
    const uint16_t inputs[2] = {a, b};
    t.op_raw(kOpAdd, &good, sizeof(good) - 4, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
}

}  // namespace
}  // namespace tmf
