// FULLY_CONNECTED kernel: TFLM's int8 reference test vectors (fully_connected_test.cc,
// "SimpleTestQuantizedInt8"), whose float answers are exact in the chosen scales, plus
// per-channel requantization and prepare() rejections.
#include <string.h>

#include "device/runtime/kernels/fully_connected.h"
#include "device/runtime/kernels/requant.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// input scale 1 zp -1, weights scale 1, output scale 0.5 zp -1, bias scale 1:
// real out = W x + b = {24, 25, 26, 58, 59, 60} -> q = 2 * real - 1.
const int8_t kInput[20] = {0, 1, 2, 3, 4, 5, 6, 7, -10, -11, 0, 1, 2, 3, 4, 5, 6, -9, 8, -11};
const int8_t kWeights[30] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
                             1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
const int32_t kExpectedFoldedBias[3] = {1 + 55, 2 + 55, 3 + 55};  // bias - zp_in * row sum

// The converter's precomputation for these scales: real multiplier 2.0 = 2^30 * 2^(2-31).
FullyConnectedParams simple_params(int32_t act_min) {
  FullyConnectedParams p{};
  p.output_zero_point = -1;
  p.act_min = act_min;
  p.act_max = 127;
  p.output_multiplier = 1 << 30;
  p.output_shift = 2;
  p.per_channel = kTmfNoPerChannel;
  return p;
}

void build_simple(OpTest& t, const FullyConnectedParams& p) {
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 10}}, 1.0f, -1);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{2, {3, 10}}, kWeights, 1.0f, 0);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {3}}, kExpectedFoldedBias, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {2, 3}}, 0.5f, -1);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpFullyConnected, p, inputs, 3, &out, 1);
}

TMF_TEST(FullyConnected, SimpleInt8MatchesTflmGolden) {
  OpTest t;
  build_simple(t, simple_params(-128));
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput, sizeof(kInput));
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[6] = {47, 49, 51, 115, 117, 119};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 6);
}

TMF_TEST(FullyConnected, FusedReluClampsAtZeroPoint) {
  // Negate the weights: real outputs become {-22, -23, -24, ...} + bias; RELU clamps to q = -1.
  int8_t negated[30];
  for (int i = 0; i < 30; ++i) negated[i] = static_cast<int8_t>(-kWeights[i]);
  const int32_t folded[3] = {1 - 55, 2 - 55, 3 - 55};
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 10}}, 1.0f, -1);
  const uint16_t w = t.constant(kTensorTypeInt8, Shape{2, {3, 10}}, negated, 1.0f, 0);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {3}}, folded, 1.0f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {2, 3}}, 0.5f, -1);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpFullyConnected, simple_params(-1), inputs, 3, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput, sizeof(kInput));
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* o = t.output_as<int8_t>(0);
  for (int i = 0; i < 6; ++i) TMF_EXPECT_EQ(o[i], -1);
}

TMF_TEST(FullyConnected, PerChannelRequantization) {
  // Unit u requantizes by 2^(u-1): q = acc * 2^(u-1) + zp_out = {24 / 2, 25, 26 * 2} - 1.
  FullyConnectedParams p = simple_params(-128);
  OpTest t;
  const int32_t arrays[6] = {1 << 30, 1 << 30, 1 << 30, 0, 1, 2};
  p.per_channel = t.params_array(arrays, sizeof(arrays));
  const float scales[3] = {1.0f, 1.0f, 1.0f};
  const int32_t zps[3] = {0, 0, 0};
  const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {1, 10}}, 1.0f, -1);
  const uint16_t w = t.constant_per_channel(kTensorTypeInt8, Shape{2, {3, 10}}, kWeights, 0, scales, zps);
  const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {3}}, kExpectedFoldedBias);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {1, 3}}, 0.5f, -1);
  const uint16_t inputs[3] = {in, w, b};
  t.op(kOpFullyConnected, p, inputs, 3, &out, 1);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput, 10);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[3] = {12 - 1, 25 - 1, 52 - 1};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 3);
}

TMF_TEST(FullyConnected, RejectsBadShiftAndShapes) {
  {
    FullyConnectedParams p = simple_params(-128);
    p.output_shift = 31;
    OpTest t;
    build_simple(t, p);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
  {
    FullyConnectedParams p = simple_params(-128);
    p.act_min = 100;
    p.act_max = 99;
    OpTest t;
    build_simple(t, p);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
  {
    OpTest t;  // 2x9 input against 10-deep weights
    const uint16_t in = t.input(kTensorTypeInt8, Shape{2, {2, 9}}, 1.0f, -1);
    const uint16_t w = t.constant(kTensorTypeInt8, Shape{2, {3, 10}}, kWeights, 1.0f, 0);
    const uint16_t b = t.constant(kTensorTypeInt32, Shape{1, {3}}, kExpectedFoldedBias);
    const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {2, 3}}, 0.5f, -1);
    const uint16_t inputs[3] = {in, w, b};
    t.op(kOpFullyConnected, simple_params(-128), inputs, 3, &out, 1);
    TMF_EXPECT(t.build() == Status::kErrShapeMismatch);
  }
}

}  // namespace
}  // namespace tmf
