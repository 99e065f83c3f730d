// HARD_SWISH kernel. Expected bytes from closed-form arithmetic: with s_in = s_out = 3/256 and zero
// points 0, TFLM's Prepare gives an output multiplier of exactly 2^-7 (Q15 16384, exponent -6) and
// a reluish multiplier of exactly 1 (Q15 16384, exponent 1). Every rounding multiply of hard_swish.h
// is then exact and, for d = x, the pipeline reduces to out = RDBP(trunc(d (d + 256) / 8), 6): the
// real hard_swish (3d/256)(3d/256 + 3)/6 divided by 3/256 is d (d + 256) / 512, with the 2^-9 split
// into the truncating doubling multiply (/8) and the final rounding shift (/64, ties away from zero).
#include "device/runtime/kernels/hard_swish.h"

#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

HardSwishParams params_exact(int32_t output_zp) {
  HardSwishParams p{};
  p.output_zero_point = output_zp;
  p.output_multiplier = 16384;
  p.output_exponent = -6;
  p.reluish_multiplier = 16384;
  p.reluish_exponent = 1;
  return p;
}

// The closed form above, written independently of the kernel's fixed-point helpers.
int closed_form(int d) {
  const int pre = d * (d + 256) / 8;  // C division truncates toward zero
  const int q = pre / 64, r = pre % 64;
  if (r >= 32) return q + 1;
  if (r <= -32) return q - 1;
  return q;
}

Status run(const HardSwishParams& p, const int8_t* x, uint32_t n, OpTest& t) {
  const Shape shape = {2, {1, static_cast<int32_t>(n)}};
  const uint16_t in = t.input(kTensorTypeInt8, shape, 3.0f / 256, p.input_zero_point);
  const uint16_t out = t.output(kTensorTypeInt8, shape, 3.0f / 256, p.output_zero_point);
  t.op(kOpHardSwish, p, &in, 1, &out, 1);
  const Status s = t.build();
  if (s != Status::kOk) return s;
  t.set_input(0, x, n);
  return t.invoke();
}

TMF_TEST(HardSwish, HandWorkedValues) {
  const int8_t x[8] = {0, 10, 127, -128, -1, -100, 50, 33};
  OpTest t;
  TMF_ASSERT(run(params_exact(0), x, 8, t) == Status::kOk);
  // 10*266/8 = 332 -> 5.19 -> 5; 127*383/8 = 6080 -> 95; -128*128/8 = -2048 -> -32;
  // -255/8 = -31 -> 0; -100*156/8 = -1950 -> -30.47 -> -30;
  // 50*306/8 = 1912 -> 29.875 -> 30; 33*289/8 = 1192 -> 18.6 -> 19.
  const int8_t expected[8] = {0, 5, 95, -32, 0, -30, 30, 19};
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 8);
}

TMF_TEST(HardSwish, EveryInputMatchesClosedForm) {
  int8_t x[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<int8_t>(i - 128);
  OpTest t;
  TMF_ASSERT(run(params_exact(-7), x, 256, t) == Status::kOk);
  int8_t expected[256];
  for (int i = 0; i < 256; ++i) {
    const int v = closed_form(i - 128) - 7;
    expected[i] = static_cast<int8_t>(v < -128 ? -128 : (v > 127 ? 127 : v));
  }
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), expected, 256);
}

TMF_TEST(HardSwish, RejectsBadParams) {
  const int8_t x[2] = {0, 0};
  HardSwishParams p = params_exact(0);
  p.output_exponent = 1;  // TFLM requires a right shift
  OpTest t;
  TMF_EXPECT(run(p, x, 2, t) == Status::kErrBadParams);
  HardSwishParams q = params_exact(0);
  q.reluish_multiplier = 40000;  // not a Q15 value
  OpTest u;
  TMF_EXPECT(run(q, x, 2, u) == Status::kErrBadParams);
}

}  // namespace
}  // namespace tmf
