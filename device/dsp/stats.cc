// Mean, RMS, peak, crest factor, skewness and Pearson kurtosis of a window, in two passes.
#include "device/dsp/stats.h"

#include <math.h>
#include <string.h>

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

uint32_t float_bits(float v) {
  uint32_t b;
  memcpy(&b, &v, sizeof(b));
  return b;
}

float bits_float(uint32_t b) {
  float v;
  memcpy(&v, &b, sizeof(v));
  return v;
}

// Samples summed plainly before their sum joins the compensated total.
constexpr uint32_t kBlock = 16;

}  // namespace

DspStatus stats_compute(const float* x, uint32_t n, SignalStats* out) {
  if (x == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (n == 0) return DspStatus::kErrBadLength;
  const float inv_n = 1.0f / static_cast<float>(n);

  // Pass 1: mean, peak, constancy. Blocks of kBlock samples are summed plainly, the block sums
  // with compensation: the error stays ~kBlock ulps of a block sum whatever n, at one add per
  // sample. Peak and constancy work on the bits: |x| orders like its bits with the sign cleared
  // (NaN above inf, so a NaN sample makes peak NaN), and samples equal as floats have equal bits
  // except +0 / -0, handled below.
  KahanSum sum{0.0f, 0.0f};
  uint32_t peak_bits = 0;
  uint32_t differs = 0;
  const uint32_t first_bits = float_bits(x[0]);
  for (uint32_t i = 0; i < n; i += kBlock) {
    const uint32_t end = n - i < kBlock ? n : i + kBlock;
    float block = 0.0f;
    for (uint32_t k = i; k < end; ++k) {
      block += x[k];
      const uint32_t bits = float_bits(x[k]);
      const uint32_t magnitude = bits & 0x7FFFFFFFu;
      peak_bits = magnitude > peak_bits ? magnitude : peak_bits;
      differs |= bits ^ first_bits;
    }
    sum.add(block);
  }
  const float peak = bits_float(peak_bits);
  // Every sample compares equal to x[0]: same bits, or all of them +-0; never with a NaN.
  const bool constant = (differs == 0 || peak_bits == 0) && peak_bits <= 0x7F800000u;
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
  KahanSum r1{0.0f, 0.0f};  // raw moments about the float mean, whose own error they correct
  KahanSum r2{0.0f, 0.0f};
  KahanSum r3{0.0f, 0.0f};
  KahanSum r4{0.0f, 0.0f};
  for (uint32_t i = 0; i < n; i += kBlock) {
    const uint32_t end = n - i < kBlock ? n : i + kBlock;
    float b1 = 0.0f, b2 = 0.0f, b3 = 0.0f, b4 = 0.0f;
    for (uint32_t k = i; k < end; ++k) {
      const float d = x[k] * scale - scaled_mean;
      const float d2 = d * d;
      b1 += d;
      b2 += d2;
      b3 += d2 * d;
      b4 += d2 * d2;
    }
    r1.add(b1);
    r2.add(b2);
    r3.add(b3);
    r4.add(b4);
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
  // Mean square of the scaled samples: (1/n) sum (scaled_mean + d)^2; every term is >= 0 up to
  // the tiny correction e, so nothing cancels.
  const float mean_square = scaled_mean * scaled_mean + 2.0f * scaled_mean * e + a2;
  const float rms = sqrtf(mean_square > 0.0f ? mean_square : 0.0f) / scale;
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
