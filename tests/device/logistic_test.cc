// LOGISTIC kernel against:
//   - the closed form round(256 * sigmoid(s_in * (x - zp))) - 128, evaluated in double, for all
//     256 inputs at four input quantizations; the fixed-point result (error ~1e-7) must equal
//     it wherever the exact value is not within 0.01 of a rounding tie;
//   - TFLM's int8 test vector (tflite-micro kernels/logistic_test.cc, "LogisticQuantizedInt8
//     BasicShouldMatchGolden": {1..5, -1..-5} at scale 0.1; its goldens quantized at 1/256
//     here, the scale the converter produces, within TFLM's tolerance of 1);
//   - hand-traced values (x = zp gives logistic(0) = 1/2 = 2^30, 128 steps: output 0).
// Params are TFLM's Prepare values for each scale (frexp of s_in * 2^27, the radius
// floor(15 * 2^27 / 2^shift)), computed offline; the host test checks the converter's.
#include "device/runtime/kernels/logistic.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

struct LogisticCase {
  float scale;
  int32_t zero_point;
  LogisticParams params;  // zero point, radius, multiplier, shift
};

// 0.1f * 2^27 = 13421773 = 0.8 * 2^24: multiplier 13421773 * 2^7, shift 24, radius 15 * 2^3.
const LogisticCase kCases[4] = {
    {0.1f, 0, {0, 120, 1717986944, 24}},
    {1.0f / 16, -5, {-5, 120, 1 << 30, 24}},
    {0.5f, 10, {10, 15, 1 << 30, 27}},
    {0.02f, 3, {3, 480, 1374389504, 22}},
};

void build_logistic(OpTest& t, const LogisticCase& c, Shape shape) {
  const uint16_t in = t.input(kTensorTypeInt8, shape, c.scale, c.zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, 1.0f / 256, -128);
  t.op(kOpLogistic, c.params, &in, 1, &out, 1);
}

TMF_TEST(Logistic, AllInputsMatchClosedForm) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  for (const LogisticCase& c : kCases) {
    OpTest t;
    build_logistic(t, c, Shape{1, {256}});
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    const int8_t* y = t.output_as<int8_t>(0);
    int exact = 0;
    for (int i = 0; i < 256; ++i) {
      const double steps = 256 / (1 + exp(-static_cast<double>(c.scale) * (x[i] - c.zero_point)));
      const double below = floor(steps);
      const auto clamp8 = [](double q) { return q > 127 ? 127 : static_cast<int32_t>(q); };
      if (fabs(steps - below - 0.5) < 0.01) {
        TMF_EXPECT(y[i] == clamp8(below - 128) || y[i] == clamp8(below + 1 - 128));
      } else {
        TMF_EXPECT_EQ(y[i], clamp8(floor(steps + 0.5) - 128));
        ++exact;
      }
    }
    TMF_EXPECT(exact >= 250);
  }
}

TMF_TEST(Logistic, TflmBasicVectorAndHandValues) {
  OpTest t;
  build_logistic(t, kCases[0], Shape{2, {2, 6}});
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[12] = {10, 20, 30, 40, 50, -10, -20, -30, -40, -50, 0, 120};
  t.set_input(0, x, 12);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* y = t.output_as<int8_t>(0);
  // TFLM's goldens 0.73105858, 0.88079708, 0.95257413, 0.98201379, 0.99330715 and their
  // complements, at 1/256 with zero point -128.
  const int8_t golden[10] = {59, 97, 116, 123, 126, -59, -97, -116, -123, -126};
  for (int i = 0; i < 10; ++i) {
    const int32_t diff = y[i] - golden[i];
    TMF_EXPECT(diff >= -1 && diff <= 1);
  }
  TMF_EXPECT_EQ(y[10], 0);    // logistic(0) = 2^30 in Q0.31, 2^30 >> 23 = 128 steps
  TMF_EXPECT_EQ(y[11], 127);  // d = radius: saturated without the fixed-point path
}

Status build_status(const LogisticParams& p, float out_scale, int32_t out_zero_point,
                    Shape out_shape) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{1, {8}}, 0.1f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, out_scale, out_zero_point);
  t.op(kOpLogistic, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Logistic, RejectsBadOutputsAndParams) {
  const LogisticParams good = kCases[0].params;
  const Shape shape = {1, {8}};
  TMF_EXPECT(build_status(good, 1.0f / 256, -128, shape) == Status::kOk);
  TMF_EXPECT(build_status(good, 1.0f / 255, -128, shape) == Status::kErrBadQuantization);
  TMF_EXPECT(build_status(good, 1.0f / 256, 0, shape) == Status::kErrBadQuantization);
  TMF_EXPECT(build_status(good, 1.0f / 256, -128, Shape{1, {9}}) == Status::kErrShapeMismatch);
  LogisticParams p = good;
  p.input_range_radius = 121;  // not the radius of shift 24
  TMF_EXPECT(build_status(p, 1.0f / 256, -128, shape) == Status::kErrBadParams);
  p = good;
  p.input_left_shift = 31;
  p.input_range_radius = 0;
  TMF_EXPECT(build_status(p, 1.0f / 256, -128, shape) == Status::kErrBadParams);
  p = good;
  p.input_zero_point = 1;
  TMF_EXPECT(build_status(p, 1.0f / 256, -128, shape) == Status::kErrBadParams);
  p = good;
  p.input_multiplier = -5;
  TMF_EXPECT(build_status(p, 1.0f / 256, -128, shape) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
