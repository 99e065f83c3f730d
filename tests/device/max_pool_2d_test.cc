// MAX_POOL_2D kernel. Oracle: TFLM's pooling_test.cc int8 vectors (SimpleMaxPoolTestInt8ActNone,
// MaxPoolTestInt8ActRelu/ReluN1To1/Relu6) and its SimpleMaxPoolTestPaddingSameStride1 vector
// (integral values, so exact at scale 1), plus prepare() rejections.
#include "device/runtime/kernels/max_pool_2d.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

PoolParams pool(int32_t stride, int32_t act_min, int32_t act_max) {
  PoolParams p{};
  p.filter_h = p.filter_w = 2;
  p.stride_h = p.stride_w = stride;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

// A [1, 2, 4, 1] input with the output's quantization.
Status run(const PoolParams& p, float scale, const int8_t input[8], Shape out_shape,
           int8_t* result, uint32_t count) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 4, 1}}, scale, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, scale, 0);
  t.op(kOpMaxPool2D, p, &in, 1, &out, 1);
  Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, input, 8);
  if ((s = t.invoke()) != Status::kOk) return s;
  for (uint32_t i = 0; i < count; ++i) result[i] = t.output_as<int8_t>(0)[i];
  return Status::kOk;
}

const Shape kOut2 = Shape{4, {1, 1, 2, 1}};

TMF_TEST(MaxPool2D, TflmInt8ActNone) {
  const int8_t input[8] = {0, 6, 2, 4, 3, 2, 10, 7};
  int8_t out[2];
  TMF_ASSERT(run(pool(2, -128, 127), 1.0f, input, kOut2, out, 2) == Status::kOk);
  const int8_t expected[2] = {6, 10};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(MaxPool2D, TflmInt8Activations) {
  int8_t out[2];
  const int8_t relu_in[8] = {-3, -12, 4, 8, -6, -4, 20, 14};  // scale 0.5, RELU: [0, 127]
  TMF_ASSERT(run(pool(2, 0, 127), 0.5f, relu_in, kOut2, out, 2) == Status::kOk);
  const int8_t relu[2] = {0, 20};
  TMF_EXPECT_BYTES_EQ(out, relu, 2);
  const int8_t n1_in[8] = {-2, -6, -2, -4, -3, -2, 10, 7};  // scale 1, RELU_N1_TO_1: [-1, 1]
  TMF_ASSERT(run(pool(2, -1, 1), 1.0f, n1_in, kOut2, out, 2) == Status::kOk);
  const int8_t n1[2] = {-1, 1};
  TMF_EXPECT_BYTES_EQ(out, n1, 2);
  const int8_t relu6_in[8] = {0, -6, 12, 4, -3, -2, 10, 7};  // scale 1, RELU6: [0, 6]
  TMF_ASSERT(run(pool(2, 0, 6), 1.0f, relu6_in, kOut2, out, 2) == Status::kOk);
  const int8_t relu6[2] = {0, 6};
  TMF_EXPECT_BYTES_EQ(out, relu6, 2);
}

TMF_TEST(MaxPool2D, TflmSameStride1) {
  const int8_t input[8] = {0, 6, 2, 4, 3, 2, 10, 7};
  int8_t out[8];
  TMF_ASSERT(run(pool(1, -128, 127), 1.0f, input, Shape{4, {1, 2, 4, 1}}, out, 8) == Status::kOk);
  const int8_t expected[8] = {6, 10, 10, 7, 3, 10, 10, 7};
  TMF_EXPECT_BYTES_EQ(out, expected, 8);
}

TMF_TEST(MaxPool2D, AllNegativeWindowKeepsItsMaximum) {
  const int8_t input[8] = {-128, -127, -100, -90, -128, -128, -95, -128};
  int8_t out[2];
  TMF_ASSERT(run(pool(2, -128, 127), 1.0f, input, kOut2, out, 2) == Status::kOk);
  const int8_t expected[2] = {-127, -90};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(MaxPool2D, Rejections) {
  const int8_t input[8] = {};
  int8_t out[2];
  PoolParams p = pool(2, -128, 127);
  p.pad_h = -1;
  TMF_EXPECT(run(p, 1.0f, input, kOut2, out, 0) == Status::kErrBadParams);
  p = pool(2, -128, 127);
  p.filter_h = 1 << 16;
  p.filter_w = 1 << 16;  // window area over 2^23
  TMF_EXPECT(run(p, 1.0f, input, kOut2, out, 0) == Status::kErrBadParams);
  p = pool(2, -129, 127);
  TMF_EXPECT(run(p, 1.0f, input, kOut2, out, 0) == Status::kErrBadParams);
  {
    OpTest t;
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 4, 1}}, 1.0f, 0);
    const uint16_t o = t.output(kTensorTypeInt8, kOut2, 1.0f, 1);  // zero points differ
    t.op(kOpMaxPool2D, pool(2, -128, 127), &in, 1, &o, 1);
    TMF_EXPECT(t.build() == Status::kErrBadQuantization);
  }
  {
    OpTest t;  // params of the wrong size
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 4, 1}}, 1.0f, 0);
    const uint16_t o = t.output(kTensorTypeInt8, kOut2, 1.0f, 0);
    const int32_t short_params[4] = {2, 2, 2, 2};
    t.op(kOpMaxPool2D, short_params, &in, 1, &o, 1);
    TMF_EXPECT(t.build() == Status::kErrBadParams);
  }
  {
    OpTest t;  // rank 3
    const uint16_t in = t.input(kTensorTypeInt8, Shape{3, {2, 4, 1}}, 1.0f, 0);
    const uint16_t o = t.output(kTensorTypeInt8, Shape{3, {1, 2, 1}}, 1.0f, 0);
    t.op(kOpMaxPool2D, pool(2, -128, 127), &in, 1, &o, 1);
    TMF_EXPECT(t.build() == Status::kErrShapeMismatch);
  }
}

}  // namespace
}  // namespace tmf
