// Mel filterbank energies: triangular filters equally spaced on the HTK mel scale, applied to a
// power spectrum (spectrum.h). For log-mel features follow with spectrum_log.
//
// Scale: mel(f) = 2595 * log10(1 + f / 700), f in Hz (HTK / O'Shaughnessy); mel(1000) = 999.99.
// Filters: num_mel + 2 corner frequencies f_j = hz(mel(f_lo) + j * d), d = (mel(f_hi) -
// mel(f_lo)) / (num_mel + 1); filter m rises linearly in Hz from 0 at f_m to 1 at f_{m+1}, falls to
// 0 at f_{m+2}. Peak 1, no area normalisation (= librosa mel(htk=True, norm=None), torchaudio
// melscale_fbanks(mel_scale="htk", norm=None); HTK's own code draws the slopes linear in mel). Each
// bin lies on at most two filters whose weights sum to 1 between f_1 and f_num_mel.
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

// HTK mel scale and its inverse (Hz <-> mel).
float mel_from_hz(float hz);
float mel_to_hz(float mel);

// A filterbank for one FFT length and band; the weights live in caller memory, which must outlive
// it unchanged. A zero-initialised filterbank (n_fft == 0) is "not initialised".
// Per bin k (n_fft/2 + 1 bins): segment[k] = j if f_j <= f(k) < f_{j+1} (j in 0..num_mel), else
// kMelSegmentNone; bin k then adds rise[k] * power[k] to filter j (if j < num_mel) and
// (1 - rise[k]) * power[k] to filter j - 1 (if j >= 1).
struct MelFilterbank {
  uint32_t n_fft;
  uint32_t num_mel;
  const float* rise;        // n_fft/2 + 1 weights in [0, 1)
  const uint16_t* segment;  // n_fft/2 + 1 segment indices
};

constexpr uint16_t kMelSegmentNone = 0xFFFF;

// Bytes of caller memory mel_filterbank_init needs for n_fft (6 per bin, rounded up to 4); 0 if
// n_fft is not a valid FFT length.
uint32_t mel_filterbank_bytes(uint32_t n_fft);

// Computes the weights into `memory` (4-byte aligned, >= mel_filterbank_bytes(n_fft)).
// Units: Hz; sample_rate > 0, 0 <= f_lo < f_hi <= sample_rate / 2, 1 <= num_mel <= n_fft / 2.
// Errors: kErrNullArgument, kErrBadLength, kErrBadParams, kErrWorkMisaligned, kErrWorkTooSmall.
DspStatus mel_filterbank_init(MelFilterbank* fb, uint32_t n_fft, float sample_rate, float f_lo,
                              float f_hi, uint32_t num_mel, void* memory, uint32_t memory_bytes);

// energies[m] = sum_k weight(m, k) * power[k], m < num_mel; power has n_fft/2 + 1 values (same units
// as out). Errors: kErrNullArgument, kErrNotInitialized.
DspStatus mel_filterbank_apply(const MelFilterbank* fb, const float* power, float* energies);

// weight(filter, bin) in [0, 1]; 0 for an uninitialised fb or out-of-range indices (tests, docs).
float mel_filterbank_weight(const MelFilterbank* fb, uint32_t filter, uint32_t bin);

}  // namespace tmf::dsp
