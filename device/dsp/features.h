// The feature vector of one window of raw samples, exactly as the DSP_FEATURES op computes it on
// the device: ln of equal-width band energies of the Hann-windowed power spectrum, then selected
// time-domain statistics of the raw window. The host trainer calls the same function, so training
// features are the device's bit for bit (with the same twiddle and window tables).
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

constexpr uint32_t kFeaturesMinLength = 64;
constexpr uint32_t kFeaturesMaxLength = 4096;
// Below it N / sample_rate could overflow to inf and band edges turn NaN.
constexpr float kFeaturesMinSampleRate = 1e-3f;

// Time-domain statistics appended after the bands, in this bit order (stats.h definitions, on
// the raw window before windowing). Unknown bits are rejected.
enum FeatureStat : uint32_t {
  kFeatureStatLogRms = 1u << 0,    // ln(max(rms, log_floor))
  kFeatureStatLogPeak = 1u << 1,   // ln(max(peak, log_floor))
  kFeatureStatCrest = 1u << 2,     // peak / rms
  kFeatureStatKurtosis = 1u << 3,  // Pearson m4 / m2^2
  kFeatureStatSkewness = 1u << 4,  // m3 / m2^1.5
  // Issue 16: impulsiveness of the high-frequency content, on the first difference
  // d[i] = x[i + 1] - x[i] (N - 1 values, float). Differencing weights frequency f by
  // (2 sin(pi f / fs))^2, so the shaft's low-frequency tones no longer mask the short resonance
  // bursts a spall excites (the cheap stand-in for an envelope band-pass: no second FFT).
  kFeatureStatDiffCrest = 1u << 5,     // peak / rms of d
  kFeatureStatDiffKurtosis = 1u << 6,  // Pearson m4 / m2^2 of d
};
// The five plain statistics (what "all" meant before the first-difference ones were added).
constexpr uint32_t kFeatureStatAll = 0x1Fu;
// Every bit features_check accepts.
constexpr uint32_t kFeatureStatKnown = 0x7Fu;

// Part of the model file (the head of DspFeaturesParams): ten 4-byte fields, little endian.
struct FeaturesConfig {
  uint32_t n_fft;        // window length N: a power of two in [64, 4096]
  float sample_rate;     // Hz, finite and >= kFeaturesMinSampleRate
  float f_lo;            // band range in Hz: 0 <= f_lo < f_hi <= sample_rate / 2
  float f_hi;
  uint32_t num_bands;    // equal-width bands, 1 <= num_bands <= N / 2 + 1
  float power_scale;     // spectrum_power scale, finite and > 0 (e.g. 4 / window_sum^2)
  float log_floor;       // ln(max(e, log_floor)) for band energies, RMS and peak; finite, > 0
  uint32_t stats_mask;   // FeatureStat bits
};

// kOk, or kErrBadLength (n_fft) / kErrBadParams (any other field) for a config compute rejects.
DspStatus features_check(const FeaturesConfig& config);

// num_bands + the number of stats selected (the config must pass features_check).
uint32_t features_count(const FeaturesConfig& config);

// Floats of work memory features_compute needs: N + 2 (the in-place FFT).
uint32_t features_work_floats(uint32_t n_fft);

// features[0, num_bands) = ln(max(band energy b, log_floor)), then the selected stats in bit
// order. Bit for bit the chain: stats_compute(samples) if any plain stat is selected;
// stats_compute(d, N - 1) of the first difference d (computed in work) if a difference stat is; window_apply;
// fft_real_forward (plan {n_fft, twiddle}); spectrum_power with power_scale;
// spectrum_band_energies; spectrum_log. (Fused: fft_real_forward_windowed into work, and the power
// summed straight into the bands.)
//   twiddle: N floats, the table fft_plan_init(n_fft) builds; window: N floats (e.g. periodic
//   Hann); samples: N floats; work: features_work_floats(N) floats, must not overlap samples or
//   features; features: features_count() floats.
// Errors: kErrNullArgument, kErrBadLength, kErrBadParams (features_check).
DspStatus features_compute(const FeaturesConfig& config, const float* twiddle, const float* window,
                           const float* samples, float* work, float* features);

// z[f] = (features[f] - norm[f]) * norm[count + f]: norm is [2][count] (offsets, then scales).
// z may alias features. Errors: kErrNullArgument, kErrBadLength (count == 0).
DspStatus features_normalize(const float* features, const float* norm, uint32_t count, float* z);

}  // namespace tmf::dsp
