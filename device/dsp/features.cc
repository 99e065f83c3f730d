// features_compute: stats, window, FFT, power, bands, log (contract in features.h).
#include "device/dsp/features.h"

#include "device/dsp/det_math.h"
#include "device/dsp/fft.h"
#include "device/dsp/spectrum.h"
#include "device/dsp/stats.h"

namespace tmf::dsp {
namespace {

bool is_finite(float x) { return x - x == 0.0f; }  // false for inf and NaN

uint32_t popcount(uint32_t v) {
  uint32_t n = 0;
  for (; v != 0; v &= v - 1) ++n;
  return n;
}

float floored_log(float v, float floor) { return det_logf(v > floor ? v : floor); }  // NaN: floor

// spectrum_power followed by spectrum_band_energies, fused: the same operations in the same order
// (power[k] = scale * (re^2 + im^2), summed over each band's bins), without storing the spectrum.
void band_energies(const FeaturesConfig& c, const float* fft, float* bands) {
  uint32_t begin = spectrum_band_first_bin(c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_bands, 0);
  for (uint32_t b = 0; b < c.num_bands; ++b) {
    const uint32_t end =
        spectrum_band_first_bin(c.n_fft, c.sample_rate, c.f_lo, c.f_hi, c.num_bands, b + 1);
    float sum = 0.0f;
    for (uint32_t k = begin; k < end; ++k) {
      const float re = fft[2 * k];
      const float im = fft[2 * k + 1];
      sum += c.power_scale * (re * re + im * im);
    }
    bands[b] = sum;
    if (end > begin) begin = end;
  }
}

}  // namespace

DspStatus features_check(const FeaturesConfig& c) {
  if (c.n_fft < kFeaturesMinLength || c.n_fft > kFeaturesMaxLength || !fft_length_is_valid(c.n_fft)) {
    return DspStatus::kErrBadLength;
  }
  if (!is_finite(c.sample_rate) || !(c.sample_rate >= kFeaturesMinSampleRate) || !is_finite(c.f_lo) ||
      !is_finite(c.f_hi) || !(c.f_lo >= 0.0f) || !(c.f_lo < c.f_hi) ||
      !(c.f_hi <= 0.5f * c.sample_rate) || c.num_bands == 0 || c.num_bands > c.n_fft / 2 + 1 ||
      !is_finite(c.power_scale) || !(c.power_scale > 0.0f) || !is_finite(c.log_floor) ||
      !(c.log_floor > 0.0f) || (c.stats_mask & ~kFeatureStatKnown) != 0) {
    return DspStatus::kErrBadParams;
  }
  return DspStatus::kOk;
}

uint32_t features_count(const FeaturesConfig& c) {
  return c.num_bands + popcount(c.stats_mask & kFeatureStatKnown);
}

uint32_t features_work_floats(uint32_t n_fft) { return n_fft + 2; }

DspStatus features_compute(const FeaturesConfig& c, const float* twiddle, const float* window,
                           const float* samples, float* work, float* features) {
  if (twiddle == nullptr || window == nullptr || samples == nullptr || work == nullptr ||
      features == nullptr) {
    return DspStatus::kErrNullArgument;
  }
  DspStatus s = features_check(c);
  if (s != DspStatus::kOk) return s;
  const uint32_t n = c.n_fft;
  SignalStats st{};
  if ((c.stats_mask & kFeatureStatAll) != 0 && (s = stats_compute(samples, n, &st)) != DspStatus::kOk) return s;
  SignalStats diff{};
  if ((c.stats_mask & (kFeatureStatDiffCrest | kFeatureStatDiffKurtosis)) != 0) {
    for (uint32_t i = 0; i + 1 < n; ++i) work[i] = samples[i + 1] - samples[i];  // the FFT overwrites it next
    if ((s = stats_compute(work, n - 1, &diff)) != DspStatus::kOk) return s;
  }

  const FftPlan plan{n, twiddle};
  if ((s = fft_real_forward_windowed(&plan, window, samples, work)) != DspStatus::kOk) return s;
  band_energies(c, work, features);
  if ((s = spectrum_log(features, features, c.num_bands, c.log_floor)) != DspStatus::kOk) return s;
  float* out = features + c.num_bands;
  if (c.stats_mask & kFeatureStatLogRms) *out++ = floored_log(st.rms, c.log_floor);
  if (c.stats_mask & kFeatureStatLogPeak) *out++ = floored_log(st.peak, c.log_floor);
  if (c.stats_mask & kFeatureStatCrest) *out++ = st.crest;
  if (c.stats_mask & kFeatureStatKurtosis) *out++ = st.kurtosis;
  if (c.stats_mask & kFeatureStatSkewness) *out++ = st.skewness;
  if (c.stats_mask & kFeatureStatDiffCrest) *out++ = diff.crest;
  if (c.stats_mask & kFeatureStatDiffKurtosis) *out++ = diff.kurtosis;
  return DspStatus::kOk;
}

DspStatus features_normalize(const float* features, const float* norm, uint32_t count, float* z) {
  if (features == nullptr || norm == nullptr || z == nullptr) return DspStatus::kErrNullArgument;
  if (count == 0) return DspStatus::kErrBadLength;
  for (uint32_t f = 0; f < count; ++f) z[f] = (features[f] - norm[f]) * norm[count + f];
  return DspStatus::kOk;
}

}  // namespace tmf::dsp
