// Mean, RMS, peak, crest factor, skewness and Pearson kurtosis of a window, in two passes.
#include "device/dsp/stats.h"

#include <math.h>

namespace tmf::dsp {
namespace {

// Compensated (Kahan) sum: rounding error independent of n to first order, in float32 only.
struct KahanSum {
  float sum;
  float carry;
  void add(float v) {
    const float y = v - carry;
    const float t = sum + y;
    carry = (t - sum) - y;
    sum = t;
  }
};

}  // namespace

DspStatus stats_compute(const float* x, uint32_t n, SignalStats* out) {
  if (x == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (n == 0) return DspStatus::kErrBadLength;
  const float inv_n = 1.0f / static_cast<float>(n);

  // Pass 1: mean, peak, constancy.
  KahanSum sum{0.0f, 0.0f};
  float peak = 0.0f;
  bool constant = true;
  for (uint32_t i = 0; i < n; ++i) {
    const float v = x[i];
    sum.add(v);
    const float a = fabsf(v);
    if (a > peak || a != a) peak = a;  // a NaN sample makes peak NaN
    if (v != x[0]) constant = false;
  }
  out->peak = peak;
  if (constant) {  // exact values, whatever the rounding of the sums
    out->mean = x[0];
    out->rms = peak;
    out->stddev = 0.0f;
    out->crest = peak > 0.0f ? 1.0f : 0.0f;
    out->skewness = 0.0f;
    out->kurtosis = 0.0f;
    return DspStatus::kOk;
  }
  const float mean = sum.sum * inv_n;

  // Pass 2 on samples scaled by an exact power of two to |x| <= 1, so x^4 can neither overflow
  // nor underflow for any finite input with peak above ~1e-30.
  int exponent = 0;
  frexpf(peak, &exponent);  // peak = f * 2^exponent, f in [0.5, 1)
  if (exponent < -100) exponent = -100;
  if (exponent > 100) exponent = 100;
  const float scale = ldexpf(1.0f, -exponent);
  const float scaled_mean = mean * scale;
  KahanSum sum_sq{0.0f, 0.0f};
  KahanSum r1{0.0f, 0.0f};  // raw moments about the float mean, whose own error they correct
  KahanSum r2{0.0f, 0.0f};
  KahanSum r3{0.0f, 0.0f};
  KahanSum r4{0.0f, 0.0f};
  for (uint32_t i = 0; i < n; ++i) {
    const float s = x[i] * scale;
    const float d = s - scaled_mean;
    const float d2 = d * d;
    sum_sq.add(s * s);
    r1.add(d);
    r2.add(d2);
    r3.add(d2 * d);
    r4.add(d2 * d2);
  }
  // Central moments about the exact mean scaled_mean + e (corrected two-pass algorithm).
  const float e = r1.sum * inv_n;
  const float a2 = r2.sum * inv_n;
  const float a3 = r3.sum * inv_n;
  const float a4 = r4.sum * inv_n;
  const float e2 = e * e;
  const float var = a2 - e2;
  const float m3 = a3 - 3.0f * e * a2 + 2.0f * e2 * e;
  const float m4 = a4 - 4.0f * e * a3 + 6.0f * e2 * a2 - 3.0f * e2 * e2;
  const float rms = sqrtf(sum_sq.sum * inv_n) / scale;
  out->mean = mean + e / scale;
  out->rms = rms;
  out->crest = rms > 0.0f ? peak / rms : 0.0f;
  if (!(var > 0.0f)) {  // spread below float resolution: as constant (NaN stays NaN)
    out->stddev = var == var ? 0.0f : var;
    out->skewness = out->stddev;
    out->kurtosis = out->stddev;
    return DspStatus::kOk;
  }
  const float sd = sqrtf(var);
  out->stddev = sd / scale;
  out->skewness = m3 / (var * sd);
  out->kurtosis = m4 / (var * var);
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
