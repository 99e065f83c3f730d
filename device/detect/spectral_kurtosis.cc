// Spectral kurtosis of one window (contract in spectral_kurtosis.h).
#include "device/detect/spectral_kurtosis.h"

#include "device/detect/detect_memory.h"
#include "device/dsp/fft.h"

namespace tmf::detect {
namespace {

bool finite(float v) { return v == v && v - v == 0.0f; }

bool power_of_two(uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

// cos and sin of x in [0, pi/4] by their Taylor series to x^16 / x^17 (truncation below 1e-17),
// Horner in double: + and * only, in a fixed order (the library has -ffp-contract=off), so every
// core with IEEE double (hardware or soft-float) gives the same bits.
void octant_cos_sin(double x, double* c, double* s) {
  const double x2 = x * x;
  double cs = 1.0 / 20922789888000.0;  // 1/16!
  double sn = 1.0 / 355687428096000.0;  // 1/17!
  const double cos_terms[8] = {-1.0 / 87178291200.0, 1.0 / 479001600.0, -1.0 / 3628800.0, 1.0 / 40320.0,
                               -1.0 / 720.0,          1.0 / 24.0,        -1.0 / 2.0,       1.0};
  const double sin_terms[8] = {-1.0 / 1307674368000.0, 1.0 / 6227020800.0, -1.0 / 39916800.0, 1.0 / 362880.0,
                               -1.0 / 5040.0,          1.0 / 120.0,        -1.0 / 6.0,        1.0};
  for (int i = 0; i < 8; ++i) {
    cs = cs * x2 + cos_terms[i];
    sn = sn * x2 + sin_terms[i];
  }
  *c = cs;
  *s = sn * x;
}

}  // namespace

void spectral_kurtosis_unit_circle(uint32_t j, uint32_t n, float* c, float* s) {
  // The same octant folding as dsp's fft_plan_init: the table is exactly symmetric.
  bool negate_cos = false;
  if (4 * j > n) {  // theta -> pi - theta
    j = n / 2 - j;
    negate_cos = true;
  }
  bool swap = false;
  if (8 * j > n) {  // theta -> pi/2 - theta
    j = n / 4 - j;
    swap = true;
  }
  double cv, sv;
  octant_cos_sin(6.283185307179586476925 * (static_cast<double>(j) / static_cast<double>(n)), &cv, &sv);
  float cf = static_cast<float>(cv), sf = static_cast<float>(sv);
  if (swap) {
    const float t = cf;
    cf = sf;
    sf = t;
  }
  *c = negate_cos ? -cf : cf;
  *s = sf;
}

bool spectral_kurtosis_config_valid(const SpectralKurtosisConfig& c) {
  if (c.frame == 0) return true;
  return power_of_two(c.frame) && c.frame >= kSpectralKurtosisMinFrame && c.frame <= kSpectralKurtosisMaxFrame &&
         c.samples / c.frame >= 4 && c.first_bin >= 1 && c.first_bin < c.frame / 2;
}

uint32_t spectral_kurtosis_bytes(const SpectralKurtosisConfig& c) {
  if (c.frame == 0 || !spectral_kurtosis_config_valid(c)) return 0;
  const uint32_t l = c.frame;
  return 2 * align8(4 * l) + align8(4 * (l + 2)) + 2 * align8(4 * (l / 2));
}

DetectStatus spectral_kurtosis_init(SpectralKurtosis* sk, const SpectralKurtosisConfig& config, void* memory,
                                    uint32_t bytes) {
  if (sk == nullptr) return DetectStatus::kErrNullArgument;
  if (config.frame == 0 || !spectral_kurtosis_config_valid(config)) return DetectStatus::kErrBadConfig;
  const DetectStatus st = check_memory(memory, bytes, spectral_kurtosis_bytes(config));
  if (st != DetectStatus::kOk) return st;
  const uint32_t l = config.frame;
  MemoryCarver carve(memory);
  sk->config = config;
  sk->twiddle = carve.take<float>(l);
  sk->window = carve.take<float>(l);
  sk->work = carve.take<float>(l + 2);
  sk->s2 = carve.take<float>(l / 2);
  sk->s4 = carve.take<float>(l / 2);
  for (uint32_t j = 0; j < l / 2; ++j) spectral_kurtosis_unit_circle(j, l, &sk->twiddle[2 * j], &sk->twiddle[2 * j + 1]);
  // Periodic Hann, w[i] = 0.5 - 0.5 cos(2 pi i / L), cos from the table (cos is even about L/2).
  for (uint32_t i = 0; i < l; ++i) {
    const uint32_t j = i <= l / 2 ? i : l - i;
    const float c = j < l / 2 ? sk->twiddle[2 * j] : -1.0f;
    sk->window[i] = 0.5f - 0.5f * c;
  }
  return DetectStatus::kOk;
}

float spectral_kurtosis_max(SpectralKurtosis* sk, const float* x) {
  const SpectralKurtosisConfig& c = sk->config;
  const uint32_t l = c.frame, half = l / 2, frames = c.samples / l;
  for (uint32_t i = 0; i < frames * l; ++i) {
    if (!finite(x[i])) return __builtin_nanf("");
  }
  for (uint32_t k = 0; k < half; ++k) sk->s2[k] = 0.0f, sk->s4[k] = 0.0f;
  const dsp::FftPlan plan{l, sk->twiddle};
  for (uint32_t t = 0; t < frames; ++t) {
    dsp::fft_real_forward_windowed(&plan, sk->window, x + t * l, sk->work);
    for (uint32_t k = c.first_bin; k < half; ++k) {
      const float re = sk->work[2 * k], im = sk->work[2 * k + 1];
      const float p = re * re + im * im;
      sk->s2[k] = sk->s2[k] + p;
      sk->s4[k] = sk->s4[k] + p * p;
    }
  }
  const float tf = static_cast<float>(frames);
  bool any = false;
  float best = 0.0f;
  for (uint32_t k = c.first_bin; k < half; ++k) {
    const float s2 = sk->s2[k];
    if (!(s2 > 0.0f)) continue;
    const float v = tf * sk->s4[k] / (s2 * s2) - 2.0f;
    if (!finite(v)) continue;  // s2 * s2 overflowing: a clipped, saturated input says nothing here
    if (!any || v > best) best = v;
    any = true;
  }
  return best;
}

}  // namespace tmf::detect
