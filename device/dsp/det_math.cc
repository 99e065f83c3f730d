// det_logf / det_expf (see det_math.h). Coefficients: near-minimax fits (mpmath chebyfit over the
// reduced ranges, rounded to float); their measured errors are in docs/dsp.md.
#include "device/dsp/det_math.h"

#include <stdint.h>
#include <string.h>

namespace tmf::dsp {
namespace {

uint32_t float_bits(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof(b));
  return b;
}

float bits_float(uint32_t b) {
  float x;
  memcpy(&x, &b, sizeof(x));
  return x;
}

constexpr uint32_t kQuietNan = 0x7FC00000u;
constexpr uint32_t kPlusInf = 0x7F800000u;
constexpr uint32_t kSqrt2Bits = 0x3FB504F3u;  // sqrt(2) rounded to float
// ln 2 = kLn2Hi + kLn2Lo; kLn2Hi has 15 significant bits, so e * kLn2Hi is exact for |e| < 512.
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.42860677e-06f;
constexpr float kLog2e = 1.44269502f;
constexpr float kExpOverflow = 88.7228394f;    // above: e^x > FLT_MAX
constexpr float kExpUnderflow = -103.972076f;  // below: e^x < 2^-150, rounds to 0

// 2^n as a float for -126 <= n <= 127.
float pow2(int32_t n) { return bits_float(static_cast<uint32_t>(n + 127) << 23); }

}  // namespace

float det_logf(float x) {
  uint32_t bits = float_bits(x);
  if (bits >= kPlusInf) {  // negative (sign bit), +inf or NaN
    if (bits == kPlusInf) return x;
    if (bits == 0x80000000u) return -bits_float(kPlusInf);  // -0
    return bits_float(kQuietNan);
  }
  if (bits == 0) return -bits_float(kPlusInf);
  int32_t e = 0;
  if (bits < 0x00800000u) {  // subnormal: times 2^23, exactly
    bits = float_bits(x * 8388608.0f);
    e = -23;
  }
  // x = m * 2^e with m in [sqrt(2)/2, sqrt(2)), so f = m - 1 in [-0.293, 0.415) (exact).
  e += static_cast<int32_t>(bits >> 23) - 127;
  uint32_t m_bits = (bits & 0x007FFFFFu) | 0x3F800000u;
  if (m_bits > kSqrt2Bits) {
    m_bits -= 0x00800000u;  // m / 2
    e += 1;
  }
  const float f = bits_float(m_bits) - 1.0f;
  // ln(1 + f) = f + f^2 * q(f), q a degree-9 fit of (ln(1 + f) - f) / f^2.
  float q = 0.0676873773f;
  q = q * f + -0.115608819f;
  q = q * f + 0.118140958f;
  q = q * f + -0.124204524f;
  q = q * f + 0.142320544f;
  q = q * f + -0.166675434f;
  q = q * f + 0.200014561f;
  q = q * f + -0.250000119f;
  q = q * f + 0.333333224f;
  q = q * f + -0.5f;
  const float r = (f * f) * q;
  if (e == 0) return f + r;
  const float ef = static_cast<float>(e);
  return ef * kLn2Hi + (f + (r + ef * kLn2Lo));
}

float det_expf(float x) {
  if (!(x == x)) return bits_float(kQuietNan);
  if (x > kExpOverflow) return bits_float(kPlusInf);
  if (x < kExpUnderflow) return 0.0f;
  // x = n ln2 + r, n = round(x / ln 2) (half away from zero), |r| <= ln2 / 2 (+ rounding).
  const float t = x * kLog2e;
  const int32_t n = static_cast<int32_t>(t < 0.0f ? t - 0.5f : t + 0.5f);
  const float nf = static_cast<float>(n);
  const float r = (x - nf * kLn2Hi) - nf * kLn2Lo;
  // e^r = 1 + r + r^2 * p(r), p a degree-5 fit of (e^r - 1 - r) / r^2.
  float p = 0.000198919806f;
  p = p * r + 0.00139345415f;
  p = p * r + 0.00833331048f;
  p = p * r + 0.0416664556f;
  p = p * r + 0.166666672f;
  p = p * r + 0.5f;
  const float y = 1.0f + (r + (r * r) * p);
  // y * 2^n; n in [-150, 128]: split the scaling where 2^n is not a normal float.
  if (n > 127) return (y * 2.0f) * pow2(n - 1);
  if (n < -126) return (y * pow2(n + 64)) * pow2(-64);
  return y * pow2(n);
}

}  // namespace tmf::dsp
