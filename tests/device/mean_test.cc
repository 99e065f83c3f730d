// MEAN kernel. Oracles: closed form. Equal quantization (TFLM reference_ops::Mean): the C
// division of the raw int8 sum by n. Different quantization (QuantizedMeanOrSum): with
// input_scale = 2 * output_scale and n = 4 the converter's folded multiplier is exactly 2^30
// with shift 0, so out = floor((sum - 4 * zp_in) / 2 + 1/2) + zp_out (gemmlowp's high multiply
// rounds halves up), clamped to int8. Plus keep_dims = false, other axes and rejections.
#include "device/runtime/kernels/mean.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

MeanParams mean(uint32_t mask, uint32_t keep_dims, uint32_t mode, int32_t zp_in, int32_t zp_out) {
  MeanParams p{};
  p.axis_mask = mask;
  p.keep_dims = keep_dims;
  p.mode = mode;
  p.input_zero_point = zp_in;
  p.output_zero_point = zp_out;
  if (mode == kMeanModeRequantize) p.multiplier = 1 << 30;  // shift 0: see the top comment
  return p;
}

// Input [1, 2, 2, 2]: channel 0 {1, 2, 3, 5}, channel 1 {-1, -2, -3, -5}.
const int8_t kInput[8] = {1, -1, 2, -2, 3, -3, 5, -5};

Status run(const MeanParams& p, float scale_in, int32_t zp_in, float scale_out, int32_t zp_out,
           Shape out_shape, const int8_t* input, int8_t* result, uint32_t count) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 2, 2}}, scale_in, zp_in);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, scale_out, zp_out);
  t.op(kOpMean, p, &in, 1, &out, 1);
  Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, input, 8);
  if ((s = t.invoke()) != Status::kOk) return s;
  for (uint32_t i = 0; i < count; ++i) result[i] = t.output_as<int8_t>(0)[i];
  return Status::kOk;
}

TMF_TEST(Mean, SameQuantizationTruncates) {
  // Axes {1, 2}, keep_dims: 11 / 4 -> 2 and -11 / 4 -> -2 (toward zero).
  int8_t out[2];
  TMF_ASSERT(run(mean(0x6, 1, kMeanModeDivide, 3, 3), 0.5f, 3, 0.5f, 3, Shape{4, {1, 1, 1, 2}},
                 kInput, out, 2) == Status::kOk);
  const int8_t expected[2] = {2, -2};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(Mean, SameQuantizationWithoutKeepDims) {
  int8_t out[2];
  TMF_ASSERT(run(mean(0x6, 0, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, Shape{2, {1, 2}}, kInput,
                 out, 2) == Status::kOk);
  const int8_t expected[2] = {2, -2};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(Mean, LastAxis) {
  // Axis 3 of [1, 2, 2, 2] without keep_dims -> [1, 2, 2]: the mean of each pair.
  const int8_t input[8] = {1, 4, 2, 7, -3, -4, 5, 6};
  int8_t out[4];
  TMF_ASSERT(run(mean(0x8, 0, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, Shape{3, {1, 2, 2}}, input,
                 out, 4) == Status::kOk);
  const int8_t expected[4] = {2, 4, -3, 5};  // 5/2, 9/2, -7/2, 11/2 truncated
  TMF_EXPECT_BYTES_EQ(out, expected, 4);
}

TMF_TEST(Mean, RequantizedRoundsHalfUp) {
  // zp_in 3, zp_out -1: channel 0 {5, 6, 7, 9}: (27 - 12) / 2 = 7.5 -> 8 - 1 = 7;
  // channel 1 {-1, -2, -2, -2}: (-7 - 12) / 2 = -9.5 -> -9 - 1 = -10.
  const int8_t input[8] = {5, -1, 6, -2, 7, -2, 9, -2};
  int8_t out[2];
  TMF_ASSERT(run(mean(0x6, 1, kMeanModeRequantize, 3, -1), 1.0f, 3, 0.5f, -1,
                 Shape{4, {1, 1, 1, 2}}, input, out, 2) == Status::kOk);
  const int8_t expected[2] = {7, -10};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(Mean, RequantizedSaturates) {
  // {127 x4}, zp_in -128: (508 + 512) / 2 = 510 -> 127; {-128 x4}, zp_in 127 -> -128.
  const int8_t high[8] = {127, 127, 127, 127, 127, 127, 127, 127};
  int8_t out[2];
  TMF_ASSERT(run(mean(0x6, 1, kMeanModeRequantize, -128, 0), 1.0f, -128, 0.5f, 0,
                 Shape{4, {1, 1, 1, 2}}, high, out, 2) == Status::kOk);
  TMF_EXPECT_EQ(out[0], 127);
  const int8_t low[8] = {-128, -128, -128, -128, -128, -128, -128, -128};
  TMF_ASSERT(run(mean(0x6, 1, kMeanModeRequantize, 127, 0), 1.0f, 127, 0.5f, 0,
                 Shape{4, {1, 1, 1, 2}}, low, out, 2) == Status::kOk);
  TMF_EXPECT_EQ(out[1], -128);
}

TMF_TEST(Mean, Rejections) {
  int8_t out[2];
  const Shape kept = Shape{4, {1, 1, 1, 2}};
  // Divide mode needs equal quantization; requantize mode needs it to differ.
  TMF_EXPECT(run(mean(0x6, 1, kMeanModeDivide, 0, 0), 1.0f, 0, 0.5f, 0, kept, kInput, out, 0) ==
             Status::kErrBadParams);
  TMF_EXPECT(run(mean(0x6, 1, kMeanModeRequantize, 0, 0), 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) ==
             Status::kErrBadParams);
  TMF_EXPECT(run(mean(0x16, 1, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) ==
             Status::kErrBadParams);  // axis 4 of a rank-4 input
  TMF_EXPECT(run(mean(0x6, 2, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) ==
             Status::kErrBadParams);
  TMF_EXPECT(run(mean(0x6, 0, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) ==
             Status::kErrShapeMismatch);  // keep_dims = 0 drops the reduced dims
  TMF_EXPECT(run(mean(0x2, 1, kMeanModeDivide, 0, 0), 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) ==
             Status::kErrShapeMismatch);
  MeanParams p = mean(0x6, 1, kMeanModeRequantize, 0, 0);
  p.shift = -32;
  TMF_EXPECT(run(p, 1.0f, 0, 0.5f, 0, kept, kInput, out, 0) == Status::kErrBadParams);
  p = mean(0x6, 1, kMeanModeDivide, 1, 0);  // zero point disagrees with the tensor
  TMF_EXPECT(run(p, 1.0f, 0, 1.0f, 0, kept, kInput, out, 0) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
