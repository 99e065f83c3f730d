// Spectra from a real FFT (fft.h layout): power spectrum, energies of equal-width frequency
// bands, and the floored natural log used for log-energy features.
#pragma once

#include <stdint.h>

#include "device/dsp/dsp_status.h"

namespace tmf::dsp {

// Default floor of spectrum_log: energies below it read as log(1e-10) = -23.03.
constexpr float kSpectrumLogFloor = 1e-10f;

// power[k] = scale * (Re X[k]^2 + Im X[k]^2), k = 0..n_fft/2 (n_fft/2 + 1 values, one-sided, bins
// not doubled). `fft` is fft_real_forward's output for length n_fft; power may alias fft.
// Scale is the caller's choice (docs/dsp.md): 1 for raw |X|^2; 4 / window_sum^2 so that a sine of
// amplitude A centred on bin k (0 < k < n_fft/2) reads A^2 at k; 1 / (n_fft * window_energy) for
// mean-square-per-bin, whose sum over all N bins (both halves) is the windowed mean square.
// Errors: kErrNullArgument, kErrBadLength (n_fft not a valid FFT length), kErrBadParams (scale not
// finite or negative).
DspStatus spectrum_power(const float* fft, uint32_t n_fft, float scale, float* power);

// bands[b] = sum of power[k] over the bins k whose frequency k * sample_rate / n_fft lies in band b
// = [f_lo + b*w, f_lo + (b+1)*w), w = (f_hi - f_lo) / num_bands; the last band is closed (takes
// f_hi). A band edge within 1/64 bin of a bin frequency counts as exactly on it, so host and device
// assign bins alike despite float rounding. Bands narrower than a bin may hold no bin (energy 0).
// Units: Hz; 0 <= f_lo < f_hi <= sample_rate / 2, 1 <= num_bands <= n_fft / 2 + 1.
// Errors: kErrNullArgument, kErrBadLength, kErrBadParams.
DspStatus spectrum_band_energies(const float* power, uint32_t n_fft, float sample_rate, float f_lo,
                                 float f_hi, uint32_t num_bands, float* bands);

// First bin of band b (b = num_bands gives one past the last bin of the last band), as used by
// spectrum_band_energies; parameters as there, not validated (for tests and docs).
uint32_t spectrum_band_first_bin(uint32_t n_fft, float sample_rate, float f_lo, float f_hi,
                                 uint32_t num_bands, uint32_t b);

// out[i] = ln(max(in[i], floor)), i < n; NaN inputs also give ln(floor). out may alias in.
// ln is det_logf (det_math.h): the same bits on every platform.
// Errors: kErrNullArgument, kErrBadLength (n == 0), kErrBadParams (floor not finite and > 0).
DspStatus spectrum_log(const float* in, float* out, uint32_t n, float floor);

}  // namespace tmf::dsp
