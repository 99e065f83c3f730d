// HTK mel scale and triangular mel filterbank (weights computed once into caller memory).
#include "device/dsp/mel.h"

#include <math.h>

#include "device/dsp/fft.h"

namespace tmf::dsp {
namespace {

bool is_finite(float x) { return x - x == 0.0f; }  // false for inf and NaN

uint32_t bins_of(uint32_t n_fft) { return n_fft / 2 + 1; }

}  // namespace

float mel_from_hz(float hz) { return 2595.0f * log10f(1.0f + hz / 700.0f); }

float mel_to_hz(float mel) { return 700.0f * (powf(10.0f, mel / 2595.0f) - 1.0f); }

uint32_t mel_filterbank_bytes(uint32_t n_fft) {
  if (!fft_length_is_valid(n_fft)) return 0;
  const uint32_t bytes = bins_of(n_fft) * (sizeof(float) + sizeof(uint16_t));
  return (bytes + 3u) & ~3u;
}

DspStatus mel_filterbank_init(MelFilterbank* fb, uint32_t n_fft, float sample_rate, float f_lo,
                              float f_hi, uint32_t num_mel, void* memory, uint32_t memory_bytes) {
  if (fb == nullptr) return DspStatus::kErrNullArgument;
  fb->n_fft = 0;
  fb->num_mel = 0;
  fb->rise = nullptr;
  fb->segment = nullptr;
  if (memory == nullptr) return DspStatus::kErrNullArgument;
  if (!fft_length_is_valid(n_fft)) return DspStatus::kErrBadLength;
  if (!is_finite(sample_rate) || sample_rate <= 0.0f || !is_finite(f_lo) || !is_finite(f_hi) ||
      f_lo < 0.0f || f_lo >= f_hi || f_hi > 0.5f * sample_rate || num_mel == 0 ||
      num_mel > n_fft / 2) {
    return DspStatus::kErrBadParams;
  }
  if (reinterpret_cast<uintptr_t>(memory) % alignof(float) != 0) {
    return DspStatus::kErrWorkMisaligned;
  }
  if (memory_bytes < mel_filterbank_bytes(n_fft)) return DspStatus::kErrWorkTooSmall;

  const uint32_t bins = bins_of(n_fft);
  float* rise = static_cast<float*>(memory);
  uint16_t* segment = reinterpret_cast<uint16_t*>(rise + bins);
  const float mel_lo = mel_from_hz(f_lo);
  const float mel_step = (mel_from_hz(f_hi) - mel_lo) / static_cast<float>(num_mel + 1);
  // Corner j in Hz; the outer corners are f_lo and f_hi exactly.
  const auto corner = [&](uint32_t j) -> float {
    if (j == 0) return f_lo;
    if (j == num_mel + 1) return f_hi;
    return mel_to_hz(mel_lo + static_cast<float>(j) * mel_step);
  };
  const float hz_per_bin = sample_rate / static_cast<float>(n_fft);
  // Bins and corners both ascend: one sweep finds each bin's segment.
  uint32_t j = 0;
  float left = corner(0);
  float right = corner(1);
  for (uint32_t k = 0; k < bins; ++k) {
    const float f = static_cast<float>(k) * hz_per_bin;
    while (j <= num_mel && f >= right) {
      ++j;
      left = right;
      if (j <= num_mel) right = corner(j + 1);
    }
    if (f < f_lo || j > num_mel) {
      segment[k] = kMelSegmentNone;
      rise[k] = 0.0f;
      continue;
    }
    float w = (f - left) / (right - left);  // right > f >= left here
    if (w < 0.0f) w = 0.0f;
    if (w > 1.0f) w = 1.0f;
    segment[k] = static_cast<uint16_t>(j);
    rise[k] = w;
  }
  fb->n_fft = n_fft;
  fb->num_mel = num_mel;
  fb->rise = rise;
  fb->segment = segment;
  return DspStatus::kOk;
}

DspStatus mel_filterbank_apply(const MelFilterbank* fb, const float* power, float* energies) {
  if (fb == nullptr || power == nullptr || energies == nullptr) {
    return DspStatus::kErrNullArgument;
  }
  if (!fft_length_is_valid(fb->n_fft) || fb->num_mel == 0 || fb->rise == nullptr ||
      fb->segment == nullptr) {
    return DspStatus::kErrNotInitialized;
  }
  const uint32_t num_mel = fb->num_mel;
  for (uint32_t m = 0; m < num_mel; ++m) energies[m] = 0.0f;
  const uint32_t bins = bins_of(fb->n_fft);
  for (uint32_t k = 0; k < bins; ++k) {
    const uint32_t j = fb->segment[k];
    if (j == kMelSegmentNone) continue;
    const float p = power[k];
    const float w = fb->rise[k];
    if (j < num_mel) energies[j] += w * p;
    if (j >= 1) energies[j - 1] += (1.0f - w) * p;
  }
  return DspStatus::kOk;
}

float mel_filterbank_weight(const MelFilterbank* fb, uint32_t filter, uint32_t bin) {
  if (fb == nullptr || fb->rise == nullptr || fb->segment == nullptr || filter >= fb->num_mel ||
      bin >= bins_of(fb->n_fft)) {
    return 0.0f;
  }
  const uint32_t j = fb->segment[bin];
  if (j == kMelSegmentNone) return 0.0f;
  if (j == filter) return fb->rise[bin];
  if (j == filter + 1) return 1.0f - fb->rise[bin];
  return 0.0f;
}

}  // namespace tmf::dsp
