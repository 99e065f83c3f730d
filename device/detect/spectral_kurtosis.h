// Spectral kurtosis (issue 16 item 2, "envelope / high-frequency band energy"): how impulsive each
// frequency band of one window is. A spall struck by the rolling elements excites the bearing's
// and housing's resonances with short, repeated bursts: in the band of the resonance the
// short-time spectrum's magnitude comes and goes with the impacts, while the shaft's tones keep a
// steady magnitude and broadband noise a Rayleigh one. Per band k over T frames of the window,
// with P_t,k = |X_t,k|^2 (the Hann-windowed frame t's DFT):
//   SK_k = T * sum_t P_t,k^2 / (sum_t P_t,k)^2 - 2
// is 0 for stationary Gaussian noise, -1 for a steady tone and grows with the bursts (Antoni's
// definition). The indicator is the largest SK_k over the bands: the resonance a defect excites
// is not known in advance, and tones never win the maximum. It is a ratio, so a louder machine
// (load, speed) does not move it. Parameters and their reasons: docs/backtest.md, "Spectral
// kurtosis". Float, fixed operation order, a twiddle table built here without libm: the same bits
// on the host and every Cortex-M core.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

constexpr uint32_t kSpectralKurtosisMinFrame = 16;
constexpr uint32_t kSpectralKurtosisMaxFrame = 128;

// Four bytes: it is part of DetectLoopConfig, which the 16 KB build keeps in RAM.
struct SpectralKurtosisConfig {
  uint8_t frame;      // STFT frame length L: a power of two in [16, 128]; 0: off
  uint8_t first_bin;  // bands k in [first_bin, L/2): 1 <= first_bin < L/2 (DC and Nyquist are real,
                      // with other statistics, and never count)
  uint16_t samples;   // samples of the window used (from its start): T = samples / L frames, >= 4
};

// frame == 0 (off) or every field in range.
bool spectral_kurtosis_config_valid(const SpectralKurtosisConfig& config);

struct SpectralKurtosis {
  SpectralKurtosisConfig config;
  float* twiddle;  // [L]: (cos, sin) of 2 pi j / L, j < L/2 (dsp::FftPlan's layout)
  float* window;   // [L]: periodic Hann from the same table
  float* work;     // [L + 2]: one frame's spectrum
  float* s2;       // [L/2]: sum_t P_t,k
  float* s4;       // [L/2]: sum_t P_t,k^2
};

// Bytes of caller memory: 4 (L + L + L + 2 + L/2 + L/2), each array 8-aligned; 0 for a bad or off
// config. L = 64: 1,032.
uint32_t spectral_kurtosis_bytes(const SpectralKurtosisConfig& config);

// memory: spectral_kurtosis_bytes(config), 8-byte aligned, owned by the caller. Errors:
// kErrNullArgument, kErrBadConfig (off or out of range), kErrMisaligned, kErrMemoryTooSmall.
DetectStatus spectral_kurtosis_init(SpectralKurtosis* sk, const SpectralKurtosisConfig& config, void* memory,
                                    uint32_t bytes);

// The indicator of one window x[0, config.samples): max over k in [first_bin, L/2) of SK_k, frames
// t = 0 .. T-1 at x[t L, t L + L) (no overlap). Bands with no energy (sum P = 0) are skipped; 0 when
// every band is. A non-finite sample gives NaN.
float spectral_kurtosis_max(SpectralKurtosis* sk, const float* x);

// cos and sin of 2 pi j / n (n a power of two >= 8, j < n/2) from a fixed polynomial in double:
// the table's bits do not depend on the platform's libm. Exposed for the tests.
void spectral_kurtosis_unit_circle(uint32_t j, uint32_t n, float* c, float* s);

}  // namespace tmf::detect
