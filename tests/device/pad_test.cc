// PAD kernel. Oracle: closed form (each output byte is the input byte it maps to or the pad
// value), including TFLM pad_test.cc's image-style case (Test2DInt8-like 2x2 -> 4x4 ring),
// channel padding, a rank-2 input, and prepare() rejections.
#include "device/runtime/kernels/pad.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

PadParams pads(int32_t b0, int32_t a0, int32_t b1, int32_t a1, int32_t b2, int32_t a2, int32_t b3,
               int32_t a3, int32_t value) {
  PadParams p{};
  p.before[0] = b0; p.after[0] = a0;
  p.before[1] = b1; p.after[1] = a1;
  p.before[2] = b2; p.after[2] = a2;
  p.before[3] = b3; p.after[3] = a3;
  p.pad_value = value;
  return p;
}

TMF_TEST(Pad, ImageStyleRing) {
  // [1, 2, 2, 1] {1, 2, 3, 4} padded by one row/column on each side with the zero point -3.
  const int8_t input[4] = {1, 2, 3, 4};
  const int8_t expected[16] = {-3, -3, -3, -3, -3, 1, 2, -3, -3, 3, 4, -3, -3, -3, -3, -3};
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 2, 1}}, 0.5f, -3);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {1, 4, 4, 1}}, 0.5f, -3);
  t.op(kOpPad, pads(0, 0, 1, 1, 1, 1, 0, 0, -3), &in, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(Pad, BatchAndChannelPaddingWithV2Value) {
  // [1, 1, 2, 2] {1, 2, 3, 4}: one batch after, channels 1 before / 2 after, pad value 9.
  const int8_t input[4] = {1, 2, 3, 4};
  const int8_t expected[20] = {9, 1, 2, 9, 9, 9, 3, 4, 9, 9,   // batch 0
                               9, 9, 9, 9, 9, 9, 9, 9, 9, 9};  // batch 1
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 1, 2, 2}}, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 1, 2, 5}}, 1.0f, 0);
  t.op(kOpPad, pads(0, 1, 0, 0, 0, 0, 1, 2, 9), &in, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(Pad, Rank2) {
  // [2, 3] padded by 1 row before and 1 column after.
  const int8_t input[6] = {1, 2, 3, 4, 5, 6};
  const int8_t expected[12] = {0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6, 0};
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 3}}, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {3, 4}}, 1.0f, 0);
  t.op(kOpPad, pads(1, 0, 0, 1, 0, 0, 0, 0, 0), &in, 1, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

Status build_status(const PadParams& p, Shape out_shape) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 3}}, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 1.0f, 0);
  t.op(kOpPad, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Pad, Rejections) {
  const Shape out = Shape{2, {3, 4}};
  TMF_EXPECT(build_status(pads(1, 0, 0, 1, 0, 0, 0, 0, 0), out) == Status::kOk);
  TMF_EXPECT(build_status(pads(2, -1, 0, 1, 0, 0, 0, 0, 0), out) == Status::kErrBadParams);
  TMF_EXPECT(build_status(pads(1, 0, 0, 1, 0, 0, 0, 0, 128), out) == Status::kErrBadParams);
  // Padding on dimension 2 of a rank-2 tensor.
  TMF_EXPECT(build_status(pads(1, 0, 0, 1, 0, 1, 0, 0, 0), out) == Status::kErrBadParams);
  TMF_EXPECT(build_status(pads(1, 0, 0, 2, 0, 0, 0, 0, 0), out) == Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(pads(1, 0, 0, 1, 0, 0, 0, 0, 0), Shape{3, {3, 4, 1}}) ==
             Status::kErrShapeMismatch);
}

}  // namespace
}  // namespace tmf
