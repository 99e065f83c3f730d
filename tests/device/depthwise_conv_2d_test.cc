// DEPTHWISE_CONV_2D kernel. Oracles: TFLM's depthwise_conv_test.cc vectors (SimpleTest,
// SimpleTestRelu, SimpleTestDilatedQuantizedPerChannel: float inputs, filters, biases and
// goldens, VALID padding, depth multiplier 2), quantized here with power-of-two scales so every
// value and requantization is exact: expected bytes = golden / output_scale + output_zero_point.
// Plus a closed-form SAME-padding case and prepare() rejections.
#include "device/runtime/kernels/depthwise_conv_2d.h"

#include "device/runtime/kernels/requant.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// TFLM filter [1, 2, 2, 4] {1,2,3,4, -9,10,-11,12, 5,6,7,8, 13,-14,15,-16} with per-channel
// scales 1, 1, 1/2, 1/2 (q = w / scale); bias {1,2,3,4} / (input_scale 1/2 * scale).
const float kFilterScales[4] = {1.0f, 1.0f, 0.5f, 0.5f};
const int32_t kFilterZeroPoints[4] = {0, 0, 0, 0};
const int8_t kFilter[16] = {1, 2, 6, 8, -9, 10, -22, 24, 5, 6, 14, 16, 13, -14, 30, -32};
const int32_t kBias[4] = {2, 4, 12, 16};
// Real multipliers 1/2 * scale / 1 = 1/2, 1/2, 1/4, 1/4.
const int32_t kRequant[8] = {1 << 30, 1 << 30, 1 << 30, 1 << 30, 0, 0, -1, -1};

constexpr int32_t kInputZeroPoint = -1;  // input q = 2 * x - 1 (scale 1/2)
constexpr int32_t kOutputZeroPoint = -4; // output q = golden - 4 (scale 1)

DepthwiseConv2DParams params(int32_t dilation_h, int32_t dilation_w, int32_t act_min) {
  DepthwiseConv2DParams p{};
  p.stride_h = p.stride_w = 1;
  p.dilation_h = dilation_h;
  p.dilation_w = dilation_w;
  p.depth_multiplier = 2;
  p.input_zero_point = kInputZeroPoint;
  p.output_zero_point = kOutputZeroPoint;
  p.act_min = act_min;
  p.act_max = 127;
  return p;
}

void build(OpTest& t, DepthwiseConv2DParams p, Shape in_shape, Shape out_shape) {
  p.per_channel = t.params_array(kRequant, sizeof(kRequant));
  const uint16_t in = t.input(kTensorTypeInt8, in_shape, 0.5f, kInputZeroPoint);
  const uint16_t w = t.constant_per_channel(kTensorTypeInt8, Shape{4, {1, 2, 2, 4}}, kFilter, 3,
                                            kFilterScales, kFilterZeroPoints);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {4}}, kBias);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 1.0f, kOutputZeroPoint);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpDepthwiseConv2D, p, inputs, 3, &out, 1);
}

// Input [1, 3, 2, 2] = {1,2,7,8, 3,4,9,10, 5,6,11,12}.
const int8_t kSimpleX[12] = {1, 2, 7, 8, 3, 4, 9, 10, 5, 6, 11, 12};

void run_simple(TmfTestState* tmf_test_state_, int32_t act_min, const int8_t golden[8]) {
  int8_t input[12], expected[8];
  for (int i = 0; i < 12; ++i) input[i] = static_cast<int8_t>(2 * kSimpleX[i] + kInputZeroPoint);
  for (int i = 0; i < 8; ++i) expected[i] = static_cast<int8_t>(golden[i] + kOutputZeroPoint);
  OpTest t;
  build(t, params(1, 1, act_min), Shape{4, {1, 3, 2, 2}}, Shape{4, {1, 2, 1, 4}});
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

TMF_TEST(DepthwiseConv2D, TflmSimpleDepthMultiplier2) {
  const int8_t golden[8] = {71, -34, 99, -20, 91, -26, 127, -4};
  run_simple(tmf_test_state_, -128, golden);
}

TMF_TEST(DepthwiseConv2D, TflmSimpleRelu) {
  // RELU: the activation range starts at the output zero point (real 0).
  const int8_t golden[8] = {71, 0, 99, 0, 91, 0, 127, 0};
  run_simple(tmf_test_state_, kOutputZeroPoint, golden);
}

TMF_TEST(DepthwiseConv2D, TflmDilatedPerChannel) {
  // Input [1, 4, 6, 2], dilation h 2 / w 3, VALID: output [1, 2, 3, 4].
  const int8_t x[48] = {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4,
                        1, 2, 3, 4, 5, 6, 2, 6, 2, 4, 4, 2, 3, 2, 6, 5, 1, 4, 1, 2, 1, 4, 6, 3};
  const int8_t golden[24] = {15, 2,  88, -48, 25, 14, 72, 0,  61, -2,  56, 48,
                             -4, 52, 12, 48,  11, 70, 63, 40, 51, -30, 41, 48};
  int8_t input[48], expected[24];
  for (int i = 0; i < 48; ++i) input[i] = static_cast<int8_t>(2 * x[i] + kInputZeroPoint);
  for (int i = 0; i < 24; ++i) expected[i] = static_cast<int8_t>(golden[i] + kOutputZeroPoint);
  OpTest t;
  build(t, params(2, 3, -128), Shape{4, {1, 4, 6, 2}}, Shape{4, {1, 2, 3, 4}});
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

// Depth multiplier 1, 3x3 SAME (padding 1) on a 2x2 image with two channels, per-tensor filter:
// channel 0 has all-ones taps, channel 1 only the centre tap. Every window covers the whole
// image, so channel 0 outputs the channel's sum and channel 1 the pixel itself. Input zero point
// 7, scale 1: padding taps add nothing even though the raw zero point is not 0.
TMF_TEST(DepthwiseConv2D, SamePaddingMultiplier1) {
  const int8_t input[8] = {8, 17, 9, 27, 10, 37, 11, 47};  // ch0 {1,2,3,4}, ch1 {10,20,30,40} + 7
  const int8_t filter[18] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0};
  const int32_t requant[4] = {1 << 30, 1 << 30, 1, 1};
  const int8_t expected[8] = {10, 10, 10, 20, 10, 30, 10, 40};
  OpTest t;
  DepthwiseConv2DParams p{};
  p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
  p.pad_h = p.pad_w = 1;
  p.depth_multiplier = 1;
  p.input_zero_point = 7;
  p.act_min = -128;
  p.act_max = 127;
  p.per_channel = t.params_array(requant, sizeof(requant));
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 2, 2}}, 1.0f, 7);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{4, {1, 3, 3, 2}}, filter, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{4, {1, 2, 2, 2}}, 1.0f, 0);
  const uint16_t inputs[2] = {in, w};
  t.op(kOpDepthwiseConv2D, p, inputs, 2, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, input, sizeof(input));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, sizeof(expected));
}

Status build_status(DepthwiseConv2DParams p, Shape out_shape = Shape{4, {1, 2, 1, 4}}) {
  OpTest t;
  build(t, p, Shape{4, {1, 3, 2, 2}}, out_shape);
  return t.build();
}

TMF_TEST(DepthwiseConv2D, Rejections) {
  TMF_EXPECT(build_status(params(1, 1, -128)) == Status::kOk);
  DepthwiseConv2DParams p = params(1, 1, -128);
  p.depth_multiplier = 1;  // 2 input channels cannot make 4
  TMF_EXPECT(build_status(p) == Status::kErrShapeMismatch);
  p = params(1, 1, -128);
  p.depth_multiplier = 0;
  TMF_EXPECT(build_status(p) == Status::kErrShapeMismatch);
  p = params(1, 1, -128);
  p.pad_h = 1;
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  p = params(1, 1, -128);
  p.stride_w = 1 << 17;
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  p = params(1, 1, -128);
  p.output_zero_point = 0;
  TMF_EXPECT(build_status(p) == Status::kErrBadParams);
  TMF_EXPECT(build_status(params(1, 1, -128), Shape{4, {1, 4, 1, 4}}) == Status::kErrBadParams);
  TMF_EXPECT(build_status(params(1, 1, -128), Shape{4, {2, 2, 1, 4}}) == Status::kErrShapeMismatch);
}

}  // namespace
}  // namespace tmf
