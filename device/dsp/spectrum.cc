// Power spectrum, equal-width band energies and floored log of spectral energies.
#include "device/dsp/spectrum.h"

#include <math.h>

#include "device/dsp/det_math.h"
#include "device/dsp/fft.h"

namespace tmf::dsp {
namespace {

// Band edges this close to a bin frequency (in bins) snap onto it.
constexpr float kBandEdgeSnap = 1.0f / 64.0f;

bool is_finite(float x) { return x - x == 0.0f; }  // false for inf and NaN

}  // namespace

DspStatus spectrum_power(const float* fft, uint32_t n_fft, float scale, float* power) {
  if (fft == nullptr || power == nullptr) return DspStatus::kErrNullArgument;
  if (!fft_length_is_valid(n_fft)) return DspStatus::kErrBadLength;
  if (!is_finite(scale) || scale < 0.0f) return DspStatus::kErrBadParams;
  // power[k] depends on fft[2k], fft[2k+1] only: in place works front to back.
  for (uint32_t k = 0; k <= n_fft / 2; ++k) {
    const float re = fft[2 * k];
    const float im = fft[2 * k + 1];
    power[k] = scale * (re * re + im * im);
  }
  return DspStatus::kOk;
}

uint32_t spectrum_band_first_bin(uint32_t n_fft, float sample_rate, float f_lo, float f_hi,
                                 uint32_t num_bands, uint32_t b) {
  const float bins_per_hz = static_cast<float>(n_fft) / sample_rate;
  const float lo = f_lo * bins_per_hz;
  const float hi = f_hi * bins_per_hz;
  const uint32_t last_bin = n_fft / 2;
  if (b >= num_bands) {  // one past the closed upper edge
    const float end = floorf(hi + kBandEdgeSnap) + 1.0f;
    return end > static_cast<float>(last_bin + 1) ? last_bin + 1 : static_cast<uint32_t>(end);
  }
  const float edge = lo + (hi - lo) * (static_cast<float>(b) / static_cast<float>(num_bands));
  const float first = ceilf(edge - kBandEdgeSnap);
  if (first <= 0.0f) return 0;
  return first > static_cast<float>(last_bin + 1) ? last_bin + 1 : static_cast<uint32_t>(first);
}

DspStatus spectrum_band_energies(const float* power, uint32_t n_fft, float sample_rate, float f_lo,
                                 float f_hi, uint32_t num_bands, float* bands) {
  if (power == nullptr || bands == nullptr) return DspStatus::kErrNullArgument;
  if (!fft_length_is_valid(n_fft)) return DspStatus::kErrBadLength;
  if (!is_finite(sample_rate) || sample_rate <= 0.0f || !is_finite(f_lo) || !is_finite(f_hi) ||
      f_lo < 0.0f || f_lo >= f_hi || f_hi > 0.5f * sample_rate || num_bands == 0 ||
      num_bands > n_fft / 2 + 1) {
    return DspStatus::kErrBadParams;
  }
  uint32_t begin = spectrum_band_first_bin(n_fft, sample_rate, f_lo, f_hi, num_bands, 0);
  for (uint32_t b = 0; b < num_bands; ++b) {
    const uint32_t end = spectrum_band_first_bin(n_fft, sample_rate, f_lo, f_hi, num_bands, b + 1);
    float sum = 0.0f;
    for (uint32_t k = begin; k < end; ++k) sum += power[k];
    bands[b] = sum;
    if (end > begin) begin = end;
  }
  return DspStatus::kOk;
}

DspStatus spectrum_log(const float* in, float* out, uint32_t n, float floor) {
  if (in == nullptr || out == nullptr) return DspStatus::kErrNullArgument;
  if (n == 0) return DspStatus::kErrBadLength;
  if (!is_finite(floor) || !(floor > 0.0f)) return DspStatus::kErrBadParams;
  for (uint32_t i = 0; i < n; ++i) {
    const float e = in[i];
    out[i] = det_logf(e > floor ? e : floor);  // NaN compares false: floor
  }
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
