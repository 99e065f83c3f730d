// AVERAGE_POOL_2D kernel. Oracle: TFLM's pooling_test.cc int8 vectors (input bytes, scale 0.25,
// expected bytes; "PaddingSameStride1" is TFLM's clipped-window case, which is exactly TFLite's
// SAME geometry here: no leading padding, the last row and column windows cut short), plus a
// closed-form check of round-half-away-from-zero and prepare() rejections.
#include "device/runtime/kernels/average_pool_2d.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

PoolParams pool(int32_t stride_h, int32_t stride_w, int32_t act_min, int32_t act_max) {
  PoolParams p{};
  p.filter_h = p.filter_w = 2;
  p.stride_h = stride_h;
  p.stride_w = stride_w;
  p.act_min = act_min;
  p.act_max = act_max;
  return p;
}

// A [1, 2, 4, 1] input at scale 0.25, zero point 0 (the TFLM tests' setup).
Status run(const PoolParams& p, const int8_t input[8], Shape out_shape, int8_t* result,
           uint32_t count) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 4, 1}}, 0.25f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, 0.25f, 0);
  t.op(kOpAveragePool2D, p, &in, 1, &out, 1);
  Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, input, 8);
  if ((s = t.invoke()) != Status::kOk) return s;
  for (uint32_t i = 0; i < count; ++i) result[i] = t.output_as<int8_t>(0)[i];
  return Status::kOk;
}

const int8_t kInputA[8] = {0, -24, 8, 16, 12, 8, -40, 28};
const int8_t kInputB[8] = {12, -24, 32, 16, 12, 8, 40, 28};

TMF_TEST(AveragePool2D, TflmValidStride2) {
  int8_t out[2];
  TMF_ASSERT(run(pool(2, 2, -128, 127), kInputA, Shape{4, {1, 1, 2, 1}}, out, 2) == Status::kOk);
  const int8_t expected[2] = {-1, 3};  // -4 / 4 and 12 / 4, halves away from zero
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(AveragePool2D, TflmValidStride1x2Relu) {
  int8_t out[3];
  TMF_ASSERT(run(pool(2, 1, 0, 127), kInputA, Shape{4, {1, 1, 3, 1}}, out, 3) == Status::kOk);
  const int8_t expected[3] = {0, 0, 3};
  TMF_EXPECT_BYTES_EQ(out, expected, 3);
}

TMF_TEST(AveragePool2D, TflmValidStride2x1ReluN1To1) {
  int8_t out[2];
  TMF_ASSERT(run(pool(1, 2, -4, 4), kInputA, Shape{4, {1, 1, 2, 1}}, out, 2) == Status::kOk);
  const int8_t expected[2] = {-1, 3};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(AveragePool2D, TflmValidStride2Relu6) {
  int8_t out[2];
  TMF_ASSERT(run(pool(2, 2, 0, 24), kInputB, Shape{4, {1, 1, 2, 1}}, out, 2) == Status::kOk);
  const int8_t expected[2] = {2, 24};  // 29 clamped to 6 / 0.25
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
}

TMF_TEST(AveragePool2D, TflmSameStride1ClippedWindows) {
  int8_t out[8];
  TMF_ASSERT(run(pool(1, 1, -128, 127), kInputB, Shape{4, {1, 2, 4, 1}}, out, 8) == Status::kOk);
  const int8_t expected[8] = {2, 14, 29, 22, 10, 24, 34, 28};
  TMF_EXPECT_BYTES_EQ(out, expected, 8);
}

TMF_TEST(AveragePool2D, RoundsHalvesAwayFromZero) {
  // Windows {1, 1, 0, 0} and {-1, -1, 0, 0}: +-2 / 4 = +-0.5 -> +-1; {1, 0, 0, 0} -> 0.
  const int8_t input[8] = {1, 1, -1, -1, 0, 0, 0, 0};
  int8_t out[2];
  TMF_ASSERT(run(pool(2, 2, -128, 127), input, Shape{4, {1, 1, 2, 1}}, out, 2) == Status::kOk);
  const int8_t expected[2] = {1, -1};
  TMF_EXPECT_BYTES_EQ(out, expected, 2);
  const int8_t quarter[8] = {1, 0, -1, 0, 0, 0, 0, 0};
  TMF_ASSERT(run(pool(2, 2, -128, 127), quarter, Shape{4, {1, 1, 2, 1}}, out, 2) == Status::kOk);
  TMF_EXPECT_EQ(out[0], 0);
  TMF_EXPECT_EQ(out[1], 0);
}

TMF_TEST(AveragePool2D, Rejections) {
  int8_t out[8];
  PoolParams p = pool(2, 2, -128, 127);
  p.pad_w = 1;
  TMF_EXPECT(run(p, kInputA, Shape{4, {1, 1, 2, 1}}, out, 0) == Status::kErrBadParams);
  p = pool(0, 2, -128, 127);
  TMF_EXPECT(run(p, kInputA, Shape{4, {1, 1, 2, 1}}, out, 0) == Status::kErrBadParams);
  p = pool(2, 2, -128, 127);
  p.filter_w = 0;
  TMF_EXPECT(run(p, kInputA, Shape{4, {1, 1, 2, 1}}, out, 0) == Status::kErrBadParams);
  p = pool(2, 2, 5, 4);
  TMF_EXPECT(run(p, kInputA, Shape{4, {1, 1, 2, 1}}, out, 0) == Status::kErrBadParams);
  // Output 3 wide is neither SAME (2) nor VALID (2) for stride 2.
  TMF_EXPECT(run(pool(2, 2, -128, 127), kInputA, Shape{4, {1, 1, 3, 1}}, out, 0) ==
             Status::kErrBadParams);
  TMF_EXPECT(run(pool(2, 2, -128, 127), kInputA, Shape{4, {1, 1, 2, 2}}, out, 0) ==
             Status::kErrShapeMismatch);
  {  // TFLM requires the input's quantization on the output
    OpTest t;
    const uint16_t in = t.input(kTensorTypeInt8, Shape{4, {1, 2, 4, 1}}, 0.25f, 0);
    const uint16_t o = t.output(kTensorTypeInt8, Shape{4, {1, 1, 2, 1}}, 0.5f, 0);
    t.op(kOpAveragePool2D, pool(2, 2, -128, 127), &in, 1, &o, 1);
    TMF_EXPECT(t.build() == Status::kErrBadQuantization);
  }
}

}  // namespace
}  // namespace tmf
