// det_logf / det_expf (device/dsp/det_math.h) against double-precision libm: the error in units in
// the last place of the float result (ulp of the exact value) stays below 1 on strided sweeps of
// every binade (an exhaustive host run measured 0.933 ulp for log over all positive floats and
// 0.952 ulp for exp over all normal results; docs/dsp.md), plus exact special values.
#include "device/dsp/det_math.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

uint32_t bits_of(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof(b));
  return b;
}

float from_bits(uint32_t b) {
  float x;
  memcpy(&x, &b, sizeof(x));
  return x;
}

// |y - exact| in ulps of a float at exact's magnitude (subnormal ulp below 2^-126).
double ulp_error(float y, double exact) {
  int e = 0;
  frexp(exact, &e);  // exact = m * 2^e, m in [0.5, 1)
  const double ulp = ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
  return fabs(static_cast<double>(y) - exact) / ulp;
}

TMF_TEST(DspDetMath, LogWithinOneUlpAcrossAllBinades) {
  double worst = 0.0;
  // 20011 strided bit patterns over every positive finite float, subnormals included.
  const uint32_t last = 0x7F7FFFFFu;
  const uint32_t stride = last / 20011u;
  for (uint32_t b = 1; b <= last - stride; b += stride) {
    const float x = from_bits(b);
    const double err = ulp_error(det_logf(x), log(static_cast<double>(x)));
    worst = err > worst ? err : worst;
  }
  // Densely around 1, where ln x -> 0 and relative accuracy is hardest.
  for (int32_t k = -3000; k <= 3000; ++k) {
    const float x = from_bits(static_cast<uint32_t>(static_cast<int32_t>(0x3F800000) + k));
    if (x == 1.0f) continue;
    const double err = ulp_error(det_logf(x), log(static_cast<double>(x)));
    worst = err > worst ? err : worst;
  }
  TMF_EXPECT(worst < 1.0);
}

TMF_TEST(DspDetMath, LogSpecialValues) {
  TMF_EXPECT(det_logf(1.0f) == 0.0f);
  TMF_EXPECT(det_logf(2.0f) == 0.693147182f);   // ln 2 rounded to float
  TMF_EXPECT(det_logf(0.0f) == -INFINITY);
  TMF_EXPECT(det_logf(-0.0f) == -INFINITY);
  TMF_EXPECT(det_logf(INFINITY) == INFINITY);
  TMF_EXPECT(bits_of(det_logf(-1.0f)) == 0x7FC00000u);
  TMF_EXPECT(bits_of(det_logf(-INFINITY)) == 0x7FC00000u);
  TMF_EXPECT(bits_of(det_logf(NAN)) == 0x7FC00000u);
  TMF_EXPECT(bits_of(det_logf(from_bits(0xFFC12345u))) == 0x7FC00000u);
  // The smallest subnormal: ln 2^-149 = -149 ln 2.
  TMF_EXPECT(ulp_error(det_logf(from_bits(1)), -149.0 * 0.69314718055994530942) < 1.0);
}

TMF_TEST(DspDetMath, ExpWithinOneUlpOverTheNormalRange) {
  double worst = 0.0;
  // x from -87.3 (e^x near the smallest normal) to 88.72 (near FLT_MAX), 40001 points.
  for (int32_t i = 0; i <= 40000; ++i) {
    const float x = -87.3f + static_cast<float>(i) * (176.02f / 40000.0f);
    if (x > 88.7228f) break;
    const double err = ulp_error(det_expf(x), exp(static_cast<double>(x)));
    worst = err > worst ? err : worst;
  }
  // Small arguments, where e^x - 1 ~ x.
  for (int32_t k = -2000; k <= 2000; ++k) {
    const float x = static_cast<float>(k) * 1e-7f;
    const double err = ulp_error(det_expf(x), exp(static_cast<double>(x)));
    worst = err > worst ? err : worst;
  }
  TMF_EXPECT(worst < 1.0);
}

TMF_TEST(DspDetMath, ExpSpecialValuesAndSubnormals) {
  TMF_EXPECT(det_expf(0.0f) == 1.0f);
  TMF_EXPECT(det_expf(-0.0f) == 1.0f);
  TMF_EXPECT(det_expf(INFINITY) == INFINITY);
  TMF_EXPECT(det_expf(89.0f) == INFINITY);
  TMF_EXPECT(det_expf(-INFINITY) == 0.0f);
  TMF_EXPECT(det_expf(-104.0f) == 0.0f);
  TMF_EXPECT(bits_of(det_expf(NAN)) == 0x7FC00000u);
  TMF_EXPECT(det_expf(88.72f) < INFINITY);
  // Subnormal results are rounded twice: within 1 subnormal ulp (2^-149) of the exact value.
  for (int32_t i = 0; i <= 100; ++i) {
    const float x = -103.9f + static_cast<float>(i) * 0.16f;
    const double exact = exp(static_cast<double>(x));
    TMF_EXPECT(fabs(static_cast<double>(det_expf(x)) - exact) <= ldexp(1.0, -149));
  }
}

TMF_TEST(DspDetMath, LogInvertsExp) {
  // ln(e^x) returns x within a few float ulps of x over moderate arguments.
  for (int32_t i = -400; i <= 400; ++i) {
    const float x = static_cast<float>(i) * 0.2f + 0.013f;
    const float back = det_logf(det_expf(x));
    TMF_EXPECT(fabsf(back - x) <= 4.0f * 1.2e-7f * (fabsf(x) > 1.0f ? fabsf(x) : 1.0f));
  }
}

}  // namespace
}  // namespace tmf::dsp
