// TANH kernel against:
//   - the closed form round(128 * tanh(s_in * (x - zp))), clamped to int8, evaluated in double,
//     for all 256 inputs at four input quantizations; the fixed-point result (error ~2e-7) must
//     equal it wherever the exact value is not within 0.01 of a rounding tie;
//   - hand-traced values: x = zp gives tanh(0) = 0; |x - zp| >= radius saturates to -128 / 127
//     without the fixed-point path.
// Params are TFLM's Prepare values for each scale (frexp of s_in * 2^27, the radius
// floor(15 * 2^27 / 2^shift)), computed offline; the host test checks the converter's.
#include "device/runtime/kernels/tanh.h"

#include <math.h>

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

struct TanhCase {
  float scale;
  int32_t zero_point;
  TanhParams params;  // zero point, radius, multiplier, shift
};

const TanhCase kCases[4] = {
    {0.1f, 0, {0, 120, 1717986944, 24}},
    {1.0f / 16, -5, {-5, 120, 1 << 30, 24}},
    {0.5f, 10, {10, 15, 1 << 30, 27}},
    {0.02f, 3, {3, 480, 1374389504, 22}},
};

void build_tanh(OpTest& t, const TanhCase& c, Shape shape) {
  const uint16_t in = t.input(kTensorTypeInt8, shape, c.scale, c.zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, 1.0f / 128, 0);
  t.op(kOpTanh, c.params, &in, 1, &out, 1);
}

TMF_TEST(Tanh, AllInputsMatchClosedForm) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  for (const TanhCase& c : kCases) {
    OpTest t;
    build_tanh(t, c, Shape{1, {256}});
    TMF_ASSERT(t.build() == Status::kOk);
    t.set_input(0, x, 256);
    TMF_ASSERT(t.invoke() == Status::kOk);
    const int8_t* y = t.output_as<int8_t>(0);
    int exact = 0;
    for (int i = 0; i < 256; ++i) {
      const double steps = 128 * tanh(static_cast<double>(c.scale) * (x[i] - c.zero_point));
      const double below = floor(steps);
      const auto clamp8 = [](double q) {
        return q < -128 ? -128 : (q > 127 ? 127 : static_cast<int32_t>(q));
      };
      if (fabs(steps - below - 0.5) < 0.01) {
        TMF_EXPECT(y[i] == clamp8(below) || y[i] == clamp8(below + 1));
      } else {
        TMF_EXPECT_EQ(y[i], clamp8(floor(steps + 0.5)));
        ++exact;
      }
    }
    TMF_EXPECT(exact >= 250);
  }
}

TMF_TEST(Tanh, HandValuesAndSaturation) {
  OpTest t;
  build_tanh(t, kCases[2], Shape{1, {5}});  // scale 0.5, zp 10, radius 15
  TMF_ASSERT(t.build() == Status::kOk);
  const int8_t x[5] = {10, 25, -5, 24, -4};
  t.set_input(0, x, 5);
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* y = t.output_as<int8_t>(0);
  TMF_EXPECT_EQ(y[0], 0);     // tanh(0) = 0
  TMF_EXPECT_EQ(y[1], 127);   // d = 15 = radius
  TMF_EXPECT_EQ(y[2], -128);  // d = -15
  TMF_EXPECT_EQ(y[3], 127);   // d = 14: 128 * tanh(7) = 127.9999, clamped
  TMF_EXPECT_EQ(y[4], -128);  // d = -14
}

Status build_status(const TanhParams& p, float out_scale, int32_t out_zero_point, Shape out_shape) {
  OpTest t;
  const uint16_t in = t.input(kTensorTypeInt8, Shape{1, {8}}, 0.1f, 0);
  const uint16_t out = t.output(kTensorTypeInt8, out_shape, out_scale, out_zero_point);
  t.op(kOpTanh, p, &in, 1, &out, 1);
  return t.build();
}

TMF_TEST(Tanh, RejectsBadOutputsAndParams) {
  const TanhParams good = kCases[0].params;
  const Shape shape = {1, {8}};
  TMF_EXPECT(build_status(good, 1.0f / 128, 0, shape) == Status::kOk);
  TMF_EXPECT(build_status(good, 1.0f / 256, -128, shape) == Status::kErrBadQuantization);
  TMF_EXPECT(build_status(good, 1.0f / 128, 1, shape) == Status::kErrBadQuantization);
  TMF_EXPECT(build_status(good, 1.0f / 128, 0, Shape{2, {2, 4}}) == Status::kErrShapeMismatch);
  TanhParams p = good;
  p.input_range_radius = 119;
  TMF_EXPECT(build_status(p, 1.0f / 128, 0, shape) == Status::kErrBadParams);
  p = good;
  p.input_left_shift = -1;
  TMF_EXPECT(build_status(p, 1.0f / 128, 0, shape) == Status::kErrBadParams);
  {
    OpTest t;  // two outputs
    const uint16_t in = t.input(kTensorTypeInt8, shape, 0.1f, 0);
    const uint16_t outs[2] = {t.output(kTensorTypeInt8, shape, 1.0f / 128, 0),
                              t.output(kTensorTypeInt8, shape, 1.0f / 128, 0)};
    t.op(kOpTanh, good, &in, 1, outs, 2);
    TMF_EXPECT(t.build() == Status::kErrBadOperandCount);
  }
}

}  // namespace
}  // namespace tmf
