// SOFTMAX kernel against:
//   - TFLM's int8 test vectors (tflite-micro kernels/softmax_test.cc, 2-D and 4-D: input scale
//     0.1, beta 1, output 1/256 and -128; TFLM allows +-1 against its float goldens);
//   - the closed form round(256 * softmax(beta * s_in * x)) - 128, evaluated in double, which
//     the fixed-point result must equal exactly wherever the exact value is not within 0.01 of
//     a rounding tie (its error is a few 1e-3 output steps; near a tie either neighbour passes);
//   - rows whose answer is traced by hand through the algorithm (uniform rows).
// Params are TFLM's Prepare values (PreprocessSoftmaxScaling, CalculateInputRadius) for the
// scales, computed offline; the host test checks the converter computes the same.
#include "device/runtime/kernels/softmax.h"

#include <math.h>

#include "device/runtime/quant_math.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

// Input scale 0.1f (= 13421773 * 2^-27), beta 1: real multiplier 0.1f * 2^26 = 13421773 * 2^-1,
// so 1717986944 * 2^-31 * 2^23; diff_min = -floor(31 * 2^26 / 2^23) = -248.
constexpr SoftmaxParams kScale01Beta1 = {1717986944, 23, -248};
// Beta 0.5: the same multiplier one power of two lower; diff_min = -496.
constexpr SoftmaxParams kScale01Beta05 = {1717986944, 22, -496};

// Builds a [rows, depth] softmax with int8 input at 0.1 and the given output type.
void build_softmax(OpTest& t, const SoftmaxParams& p, Shape shape, TensorType out_type) {
  const uint16_t in = t.input(kTensorTypeInt8, shape, 0.1f, 0);
  const uint16_t out = out_type == kTensorTypeInt8
                           ? t.output(kTensorTypeInt8, shape, 1.0f / 256, -128)
                           : t.output(kTensorTypeInt16, shape, 1.0f / 65536, -32768);
  t.op(kOpSoftmax, p, &in, 1, &out, 1);
}

// Checks int8 outputs against the closed form; returns how many were checked exactly.
uint32_t expect_closed_form(TmfTestState* tmf_test_state_, const int8_t* x, const int8_t* y,
                            uint32_t rows, uint32_t depth, double beta_scale) {
  uint32_t exact = 0;
  for (uint32_t r = 0; r < rows; ++r) {
    const int8_t* row = x + r * depth;
    int32_t max = -128;
    for (uint32_t c = 0; c < depth; ++c) max = row[c] > max ? row[c] : max;
    double sum = 0;
    for (uint32_t c = 0; c < depth; ++c) sum += exp(beta_scale * (row[c] - max));
    for (uint32_t c = 0; c < depth; ++c) {
      const double steps = 256 * exp(beta_scale * (row[c] - max)) / sum;
      const double below = floor(steps);
      const auto clamp8 = [](double q) {
        return q < -128 ? -128 : (q > 127 ? 127 : static_cast<int32_t>(q));
      };
      const int32_t got = y[r * depth + c];
      if (fabs(steps - below - 0.5) < 0.01) {
        TMF_EXPECT(got == clamp8(below - 128) || got == clamp8(below + 1 - 128));
      } else {
        TMF_EXPECT_EQ(got, clamp8(floor(steps + 0.5) - 128));
        ++exact;
      }
    }
  }
  return exact;
}

// tflite-micro softmax_test.cc 2-D data: {1..5} and {-1..-5}, quantized at 0.1.
const int8_t kInput2D[10] = {10, 20, 30, 40, 50, -10, -20, -30, -40, -50};
// Its float golden {0.011656231, 0.031684921, 0.086128544, 0.234121657, 0.636408647} and the
// mirror, quantized at 1/256 with zero point -128.
const int8_t kGolden2D[10] = {-125, -120, -106, -68, 35, 35, -68, -106, -120, -125};

TMF_TEST(Softmax, Tflm2DVectorsInt8) {
  OpTest t;
  build_softmax(t, kScale01Beta1, Shape{2, {2, 5}}, kTensorTypeInt8);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput2D, 10);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* y = t.output_as<int8_t>(0);
  for (int i = 0; i < 10; ++i) {
    const int32_t diff = y[i] - kGolden2D[i];
    TMF_EXPECT(diff >= -1 && diff <= 1);
  }
  TMF_EXPECT_EQ(expect_closed_form(tmf_test_state_, kInput2D, y, 2, 5, 0.1f), 10);
}

// tflite-micro softmax_test.cc 4-D data [2, 3, 4, 5] (values -10..9), quantized at 0.1.
const int8_t kInput4D[120] = {
    30,   60,   -50, 40,  -90,  -100, -100, -80, 20,  20,  80,  -50,  -80, 50,   -60, -80, 60,  10,
    -100, -80,  70,  60,  -100, -40,  -50,  20,  70,  90,  -90, 70,   -40, -20,  80,  20,  20,  30,
    60,   60,   20,  40,  90,   70,   -70,  0,   40,  -30, 80,  80,   -30, -40,  -90, -90, 40,  -80,
    -10,  -100, -20, 60,  -70,  0,    -90,  -80, 60,  -10, -50, -100, -50, -100, 70,  -20, -50, -40,
    10,   20,   20,  -20, -20,  10,   10,   -40, -80, -30, 10,  10,   -10, -20,  60,  -10, -50, 60,
    -70,  80,   90,  0,   90,   -90,  -50,  -20, 0,   80,  40,  20,   -30, 50,   80,  -10, 10,  -40,
    -90,  70,   30,  -80, 0,    90,   -40,  80,  -10, 90,  -90, 10};

TMF_TEST(Softmax, Tflm4DVectorsMatchClosedForm) {
  OpTest t;
  build_softmax(t, kScale01Beta1, Shape{4, {2, 3, 4, 5}}, kTensorTypeInt8);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput4D, 120);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const uint32_t exact =
      expect_closed_form(tmf_test_state_, kInput4D, t.output_as<int8_t>(0), 24, 5, 0.1f);
  TMF_EXPECT(exact >= 110);
}

TMF_TEST(Softmax, WideRowsAndBetaMatchClosedForm) {
  // 8 rows of 61 values spread over the whole int8 range (differences up to 255, beyond
  // diff_min), at beta 1 and beta 0.5.
  static int8_t input[8 * 61];
  uint32_t state = 12345;
  for (int8_t& v : input) {
    state = state * 1103515245u + 12345u;
    v = static_cast<int8_t>(state >> 24);
  }
  for (int i = 0; i < 2; ++i) {
    OpTest t;
    build_softmax(t, i == 0 ? kScale01Beta1 : kScale01Beta05, Shape{3, {2, 4, 61}},
                  kTensorTypeInt8);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, input, sizeof(input));
    TMF_ASSERT(t.invoke() == Status::kOk);
    const uint32_t exact = expect_closed_form(tmf_test_state_, input, t.output_as<int8_t>(0), 8, 61,
                                              (i == 0 ? 1.0 : 0.5) * static_cast<double>(0.1f));
    TMF_EXPECT(exact >= 8 * 61 - 8);
  }
}

TMF_TEST(Softmax, UniformRowsTracedByHand) {
  // A uniform row of n: every exp is exp(0) = 2^31 - 1, 2^19 in Q12.19, the sum n * 2^19.
  //   n = 4: 2^21 normalises to 1.0 with 2 bits over unit; 1 / (1 + 0) = 2^31 - 1; the product
  //          with exp(0) is 2^31 - 2, shifted right by 2 + 23 bits: 63.99..., so 64 - 128 = -64.
  //   n = 3: 3 * 2^19 normalises to 1.5 with 1 bit over unit; 1 / (1 + 0.5) = 1431655762; the
  //          product 1431655761 shifted right by 24: 85.33, so 85 - 128 = -43.
  //   n = 1: 1.0 * 2^31 >> 23 = 256, clamped to 127.
  const int8_t row[4] = {17, 17, 17, 17};
  const uint32_t depths[3] = {4, 3, 1};
  const int8_t expected[3] = {-64, -43, 127};
  for (int i = 0; i < 3; ++i) {
    OpTest t;
    build_softmax(t, kScale01Beta1, Shape{2, {1, static_cast<int32_t>(depths[i])}},
                  kTensorTypeInt8);
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, row, depths[i]);
    TMF_ASSERT(t.invoke() == Status::kOk);
    for (uint32_t c = 0; c < depths[i]; ++c) TMF_EXPECT_EQ(t.output_as<int8_t>(0)[c], expected[i]);
  }
  // int16 output, n = 4: the same product shifted right by 2 + 15 bits: 16384 - 32768.
  OpTest t;
  build_softmax(t, kScale01Beta1, Shape{2, {1, 4}}, kTensorTypeInt16);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, row, 4);
  TMF_ASSERT(t.invoke() == Status::kOk);
  for (int c = 0; c < 4; ++c) TMF_EXPECT_EQ(t.output_as<int16_t>(0)[c], -16384);
}

TMF_TEST(Softmax, Int16OutputWithinOneStep) {
  // TFLM's int16 accuracy is bounded by the Q12.19 sum: a step of 1/65536 is finer than it.
  OpTest t;
  build_softmax(t, kScale01Beta1, Shape{4, {2, 3, 4, 5}}, kTensorTypeInt16);
  TMF_ASSERT(t.build() == Status::kOk);
  t.set_input(0, kInput4D, 120);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int16_t* y = t.output_as<int16_t>(0);
  for (int r = 0; r < 24; ++r) {
    const int8_t* row = kInput4D + r * 5;
    int32_t max = -128;
    for (int c = 0; c < 5; ++c) max = row[c] > max ? row[c] : max;
    double sum = 0;
    for (int c = 0; c < 5; ++c) sum += exp(0.1f * (row[c] - max));
    for (int c = 0; c < 5; ++c) {
      const double want = 65536 * exp(0.1f * (row[c] - max)) / sum - 32768;
      TMF_EXPECT(fabs(y[r * 5 + c] - want) <= 1.0);
    }
  }
}

Status build_status(const SoftmaxParams& p, Shape in_shape, Shape out_shape, TensorType out_type,
                    float out_scale, int32_t out_zero_point) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, in_shape, 0.1f, 0);
  const uint16_t out = t.output(out_type, out_shape, out_scale, out_zero_point);
  t.op(kOpSoftmax, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Softmax, RejectsBadOutputsShapesAndParams) {
  const Shape row = {2, {1, 10}};
  const float q8 = 1.0f / 256, q16 = 1.0f / 65536;
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt8, q8, -128) == Status::kOk);
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt8, 1.0f / 255, -128) ==
             Status::kErrBadQuantization);
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt8, q8, 0) ==
             Status::kErrBadQuantization);
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt16, q16, 0) ==
             Status::kErrBadQuantization);
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt16, q16 * 1.0005f, -32768) ==
             Status::kOk);
  TMF_EXPECT(build_status(kScale01Beta1, row, row, kTensorTypeInt32, q8, 0) ==
             Status::kErrTypeMismatch);
  TMF_EXPECT(build_status(kScale01Beta1, row, Shape{2, {2, 5}}, kTensorTypeInt8, q8, -128) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(kScale01Beta1, Shape{0, {}}, Shape{0, {}}, kTensorTypeInt8, q8, -128) ==
             Status::kErrShapeMismatch);
  // Depth limits: the int8 output's sum of exponentials must stay below 512.
  const Shape deep = {2, {1, 512}};
  TMF_EXPECT(build_status(kScale01Beta1, Shape{2, {1, 511}}, Shape{2, {1, 511}}, kTensorTypeInt8,
                          q8, -128) == Status::kOk);
  TMF_EXPECT(build_status(kScale01Beta1, deep, deep, kTensorTypeInt8, q8, -128) ==
             Status::kErrShapeMismatch);
  TMF_EXPECT(build_status(kScale01Beta1, deep, deep, kTensorTypeInt16, q16, -32768) == Status::kOk);
  SoftmaxParams p = kScale01Beta1;
  p.diff_min = -249;  // not the radius of shift 23
  TMF_EXPECT(build_status(p, row, row, kTensorTypeInt8, q8, -128) == Status::kErrBadParams);
  p = {1717986944, 32, 0};
  TMF_EXPECT(build_status(p, row, row, kTensorTypeInt8, q8, -128) == Status::kErrBadParams);
  p = {-1, 23, -248};
  TMF_EXPECT(build_status(p, row, row, kTensorTypeInt8, q8, -128) == Status::kErrBadParams);
  p = {kInt32Max, 31, 0};  // TFLM's cap for huge beta * scale: only the row maximum survives
  TMF_EXPECT(build_status(p, row, row, kTensorTypeInt8, q8, -128) == Status::kOk);
}

TMF_TEST(Softmax, HugeBetaKeepsOnlyTheMaximum) {
  // Multiplier capped at 2^31 - 1 with shift 31: diff_min = 0, so every element below the
  // row maximum outputs -128 and the maxima share the probability.
  const SoftmaxParams p = {kInt32Max, 31, 0};
  OpTest t;
  build_softmax(t, p, Shape{2, {1, 5}}, kTensorTypeInt8);
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[5] = {3, 9, -100, 9, 8};
  t.set_input(0, x, 5);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t expected[5] = {-128, 0, -128, 0, -128};  // 1/2 = 128 steps
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 5);
}

}  // namespace
}  // namespace tmf
