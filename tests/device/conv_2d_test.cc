// CONV_2D kernel. Oracles: TFLM's conv_test.cc vectors (SimpleTestQuantizedPerChannel,
// SimpleTestDilatedQuantizedPerChannel: float inputs, filters, biases and goldens), quantized here
// with power-of-two scales so every value and every requantization is exact, so the expected
// bytes are golden / output_scale + output_zero_point; plus closed-form cases (SAME padding with
// a non-zero input zero point, grouped convolution) and prepare() rejections.
#include "device/runtime/kernels/conv_2d.h"

#include "device/runtime/kernels/requant.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// TFLM conv_test.cc common filter [3, 2, 2, 1] and bias, per-channel scales 1, 1/2, 1/4:
// q = w / scale, bias q = b / (input_scale * scale) with input_scale 1/2.
const float kFilterScales[3] = {1.0f, 0.5f, 0.25f};
const int32_t kFilterZeroPoints[3] = {0, 0, 0};
// w = {1,2,3,4, -1,1,-1,1, -1,-1,1,1}, b = {1, 2, 3}
const int8_t kFilter[12] = {1, 2, 3, 4, -2, 2, -2, 2, -4, -4, 4, 4};
const int32_t kBias[3] = {2, 8, 24};
// Real multipliers input_scale * scale / output_scale = 1/2, 1/4, 1/8: 2^30 * 2^(shift - 31).
const int32_t kRequant[6] = {1 << 30, 1 << 30, 1 << 30, 0, -1, -2};

constexpr int32_t kInputZeroPoint = -3;  // input q = 2 * x - 3 (scale 1/2)
constexpr int32_t kOutputZeroPoint = 5;  // output q = golden + 5 (scale 1)

Conv2DParams params(int32_t stride, int32_t dilation_h, int32_t dilation_w) {
  Conv2DParams p{};
  p.stride_h = stride;
  p.stride_w = stride;
  p.dilation_h = dilation_h;
  p.dilation_w = dilation_w;
  p.input_zero_point = kInputZeroPoint;
  p.output_zero_point = kOutputZeroPoint;
  p.act_min = -128;
  p.act_max = 127;
  return p;
}

// The TFLM common filter on an input of `in_shape`, output `out_shape`.
void build_common(OpTest& t, Conv2DParams p, Shape in_shape, Shape out_shape) {
  p.per_channel = t.params_array(kRequant, sizeof(kRequant));
  const uint16_t in = t.input(kTensorTypeInt8, in_shape, 0.5f, kInputZeroPoint);
  const uint16_t w = t.constant_per_channel(kTensorTypeInt8, Shape{4, {3, 2, 2, 1}}, kFilter, 0,
                                            kFilterScales, kFilterZeroPoints);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {3}}, kBias);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 1.0f, kOutputZeroPoint);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpConv2D, p, inputs, 3, &out, 1);
}

TMF_TEST(Conv2D, TflmSimplePerChannelStride2Valid) {
  // Input [2, 2, 4, 1] = {1,1,1,1, 2,2,2,2, 1,2,3,4, 1,2,3,4};
  // golden {18,2,5, 18,2,5, 17,4,3, 37,4,3}.
  const int8_t input[16] = {-1, -1, -1, -1, 1, 1, 1, 1, -1, 1, 3, 5, -1, 1, 3, 5};
  const int8_t expected[12] = {23, 7, 10, 23, 7, 10, 22, 9, 8, 42, 9, 8};
  OpTest t;
  build_common(t, params(2, 1, 1), Shape{4, {2, 2, 4, 1}}, Shape{4, {2, 1, 2, 3}});
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(Conv2D, TflmDilatedPerChannel) {
  // Input [2, 4, 6, 1], stride 2, dilation h 2 / w 3: height is TFLite's SAME geometry (2 rows,
  // no leading padding, the second row's lower tap falls outside), width its VALID geometry.
  const int8_t x[48] = {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4,
                        1, 2, 3, 4, 5, 6, 2, 6, 2, 4, 4, 2, 3, 2, 6, 5, 1, 4, 1, 2, 1, 4, 6, 3};
  const int8_t golden[24] = {25, 2, 7, 25, 2, 7, 10, 2, -3, 10, 2, -3,
                             39, 7, 6, 50, 3, 4, 14, 4, -5, 15, 0, -7};
  int8_t input[48], expected[24];
  for (int i = 0; i < 48; ++i) input[i] = static_cast<int8_t>(2 * x[i] + kInputZeroPoint);
  for (int i = 0; i < 24; ++i) expected[i] = static_cast<int8_t>(golden[i] + kOutputZeroPoint);
  OpTest t;
  build_common(t, params(2, 2, 3), Shape{4, {2, 4, 6, 1}}, Shape{4, {2, 2, 2, 3}});
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

// A 3x3 all-ones filter over a 3x3 image 1..9 (scale 1, input zero point -5), SAME padding 1,
// no bias: each output is the sum of the in-image neighbours; a padding tap counts as real 0,
// not as the zero point's raw value. Output zero point -20, activation range [-5, 20].
TMF_TEST(Conv2D, SamePaddingSkipsPaddedTaps) {
  const int8_t input[9] = {-4, -3, -2, -1, 0, 1, 2, 3, 4};  // 1..9 - 5
  const int8_t ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  const int32_t requant[2] = {1 << 30, 1};  // real multiplier 1
  // Sums {12, 21, 16, 27, 45, 33, 24, 39, 28} - 20, clamped to [-5, 20].
  const int8_t expected[9] = {-5, 1, -4, 7, 20, 13, 4, 19, 8};
  OpTest t;
  Conv2DParams p{};
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.pad_h = p.pad_w = 1;
  p.input_zero_point = -5;
  p.output_zero_point = -20;
  p.act_min = -5;
  p.act_max = 20;
  p.per_channel = t.params_array(requant, sizeof(requant));
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 3, 3, 1}}, 1.0f, -5);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {1, 3, 3, 1}}, ones, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {1, 3, 3, 1}}, 1.0f, -20);
  const uint16_t inputs[3] = {in, w, kTmfNoTensor};
  t.op(kOpConv2D, p, inputs, 3, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

// Two groups: filter [2, 1, 1, 2]; output channel 0 reads input channels 0-1, channel 1 reads 2-3.
TMF_TEST(Conv2D, GroupedConvolution) {
  const int8_t input[4] = {1, 2, 3, 4};
  const int8_t filter[4] = {1, 1, 1, -1};
  const int32_t requant[4] = {1 << 30, 1 << 30, 1, 1};
  const int8_t expected[2] = {3, -1};  // 1 + 2, 3 - 4
  OpTest t;
  Conv2DParams p{};
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.act_min = -128;
  p.act_max = 127;
  p.per_channel = t.params_array(requant, sizeof(requant));
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 1, 1, 4}}, 1.0f, 0);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {2, 1, 1, 2}}, filter, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {1, 1, 1, 2}}, 1.0f, 0);
  const uint16_t inputs[2] = {in, w};
  t.op(kOpConv2D, p, inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

Status build_status(Conv2DParams p, Shape out_shape = Shape{4, {2, 1, 2, 3}}) {
  OpTest t;
  build_common(t, p, Shape{4, {2, 2, 4, 1}}, out_shape);
  return t.build();
}

TMF_TEST(Conv2D, RejectsBadGeometryAndParams) {
  TMF_EXPECT(build_status(params(2, 1, 1)) == Status::kOk);
  TMF_EXPECT(build_status(params(0, 1, 1)) == Status::kErrBadParams);   // stride 0
  TMF_EXPECT(build_status(params(4, 1, 1)) == Status::kErrBadParams);   // not TFLite's output size
  TMF_EXPECT(build_status(params(2, 0, 1)) == Status::kErrBadParams);   // dilation 0
  Conv2DParams p = params(2, 1, 1);
  p.pad_w = 1;  // VALID and SAME both give 0 here
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  p = params(2, 1, 1);
  p.input_zero_point = 0;  // disagrees with the input tensor
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  p = params(2, 1, 1);
  p.act_min = 10;
  p.act_max = 9;
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  // Output depth 2 against 3 filters.
  TMF_EXPECT(build_status(params(2, 1, 1), Shape{4, {2, 1, 2, 2}}) == Status::kErrShapeMismatch);
}

TMF_TEST(Conv2D, RejectsBadOperands) {
  {  // per_channel missing
    OpTest t;
    Conv2DParams p = params(2, 1, 1);
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {2, 2, 4, 1}}, 0.5f, kInputZeroPoint);
    const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {3, 2, 2, 1}}, kFilter, 1.0f, 0);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 1, 2, 3}}, 1.0f, kOutputZeroPoint);
    const uint16_t inputs[2] = {in, w};
    p.per_channel = kTmfNoPerChannel;
    t.op(kOpConv2D, p, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
  {  // bias with the wrong count, and a filter with a non-zero zero point
    OpTest t;
    Conv2DParams p = params(2, 1, 1);
    p.per_channel = t.params_array(kRequant, sizeof(kRequant));
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {2, 2, 4, 1}}, 0.5f, kInputZeroPoint);
    const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {3, 2, 2, 1}}, kFilter, 1.0f, 0);
    const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {2}}, kBias);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 1, 2, 3}}, 1.0f, kOutputZeroPoint);
    const uint16_t inputs[3] = {in, w, b};
    t.op(kOpConv2D, p, inputs, 3, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrShapeMismatch);
  }
  {
    OpTest t;
    Conv2DParams p = params(2, 1, 1);
    p.per_channel = t.params_array(kRequant, sizeof(kRequant));
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {2, 2, 4, 1}}, 0.5f, kInputZeroPoint);
    const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {3, 2, 2, 1}}, kFilter, 1.0f, 3);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 1, 2, 3}}, 1.0f, kOutputZeroPoint);
    const uint16_t inputs[2] = {in, w};
    t.op(kOpConv2D, p, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadQuantization);
  }
  {  // a shift outside [-31, 30] in the per-channel arrays
    OpTest t;
    Conv2DParams p = params(2, 1, 1);
    const int32_t bad[6] = {1 << 30, 1 << 30, 1 << 30, 0, 31, 0};
    p.per_channel = t.params_array(bad, sizeof(bad));
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {2, 2, 4, 1}}, 0.5f, kInputZeroPoint);
    const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {3, 2, 2, 1}}, kFilter, 1.0f, 0);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {2, 1, 2, 3}}, 1.0f, kOutputZeroPoint);
    const uint16_t inputs[2] = {in, w};
    t.op(kOpConv2D, p, inputs, 2, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
}

}  // namespace
}  // namespace tmf
