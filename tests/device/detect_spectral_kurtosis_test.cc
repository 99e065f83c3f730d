// device/detect spectral kurtosis (docs/backtest.md, "Spectral kurtosis").
// Oracles: the twiddle table against double-precision libm; SK values derived by hand (an impulse
// in one frame of T: P is the same in every band of that frame and 0 elsewhere, so SK = T - 2
// exactly; identical frames: SK = -1); a direct double-precision DFT of every Hann frame for a
// noisy and an impulsive signal; exact invariance to a power-of-two gain; and the host's float bits
// pinned so the Cortex-M4 run under QEMU proves bit-exactness.
#include "device/detect/spectral_kurtosis.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

#ifndef TMF_TEST_HOST
#include "device/port/qemu/bench_markers.h"  // the Cortex-M cost of one window (scripts/qemu-run.sh --count)
#endif

namespace tmf::detect {
namespace {

constexpr uint32_t kFrame = 32;  // FEMTO's frame (docs/backtest.md)
constexpr uint32_t kSamples = 2048;  // FEMTO's window: 64 frames
constexpr double kPi = 3.14159265358979323846;

alignas(8) uint8_t g_memory[2048];
float g_x[kSamples];

uint32_t bits(float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  return u;
}

uint32_t g_rng = 1;
float next_uniform() {  // [-1, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<float>(g_rng >> 8) / 8388608.0f - 1.0f;
}

// Noise (a sum of 4 uniforms, near Gaussian) plus a shaft tone; with `bursts`, a 5 kHz resonance
// (decay time 0.4 ms) struck every 4.5 ms, as a spall under the balls excites one (25.6 kHz).
void make_signal(uint32_t seed, bool bursts) {
  g_rng = seed;
  for (uint32_t i = 0; i < kSamples; ++i) {
    const double t = i / 25600.0;
    double x = 0.25 * (next_uniform() + next_uniform() + next_uniform() + next_uniform()) + 0.8 * sin(2 * kPi * 30.0 * t);
    if (bursts) {
      const double since = fmod(t, 0.0045);
      x += 3.0 * exp(-since / 0.0004) * sin(2 * kPi * 5000.0 * since);
    }
    g_x[i] = static_cast<float>(x);
  }
}

// The indicator in double: Hann frames, a direct DFT, SK per band, the largest.
double oracle_max(const float* x, uint32_t frame, uint32_t samples, uint32_t first_bin) {
  const uint32_t frames = samples / frame;
  double best = -1e300;
  for (uint32_t k = first_bin; k < frame / 2; ++k) {
    double s2 = 0, s4 = 0;
    for (uint32_t t = 0; t < frames; ++t) {
      double re = 0, im = 0;
      for (uint32_t n = 0; n < frame; ++n) {
        const double w = 0.5 - 0.5 * cos(2 * kPi * n / frame);
        const double v = w * x[t * frame + n];
        re += v * cos(2 * kPi * k * n / frame);
        im -= v * sin(2 * kPi * k * n / frame);
      }
      const double p = re * re + im * im;
      s2 += p;
      s4 += p * p;
    }
    if (s2 > 0) best = fmax(best, frames * s4 / (s2 * s2) - 2);
  }
  return best;
}

DetectStatus make(SpectralKurtosis* sk, uint32_t frame, uint32_t samples, uint32_t first_bin) {
  const SpectralKurtosisConfig c{static_cast<uint8_t>(frame), static_cast<uint8_t>(first_bin), static_cast<uint16_t>(samples)};
  return spectral_kurtosis_init(sk, c, g_memory, sizeof(g_memory));
}

TMF_TEST(DetectSpectralKurtosis, UnitCircleMatchesDoubleLibm) {
  for (uint32_t n = 16; n <= kSpectralKurtosisMaxFrame; n *= 2) {
    for (uint32_t j = 0; j < n / 2; ++j) {
      float c, s;
      spectral_kurtosis_unit_circle(j, n, &c, &s);
      TMF_EXPECT(fabs(c - cos(2 * kPi * j / n)) < 1.2e-7);
      TMF_EXPECT(fabs(s - sin(2 * kPi * j / n)) < 1.2e-7);
    }
  }
  float c, s;
  spectral_kurtosis_unit_circle(16, 64, &c, &s);  // pi / 2
  TMF_EXPECT(c == 0.0f && s == 1.0f);
}

TMF_TEST(DetectSpectralKurtosis, ImpulseInOneFrameGivesTMinusTwo) {
  SpectralKurtosis sk{};
  TMF_ASSERT(make(&sk, kFrame, 8 * kFrame, 1) == DetectStatus::kOk);
  memset(g_x, 0, sizeof(g_x));
  g_x[5 * kFrame + kFrame / 2] = 3.0f;  // Hann weight 1: |X_k| = 3 in every band of frame 5
  TMF_EXPECT(spectral_kurtosis_max(&sk, g_x) == 6.0f);
  // Silence: no band has energy.
  g_x[5 * kFrame + kFrame / 2] = 0.0f;
  TMF_EXPECT(spectral_kurtosis_max(&sk, g_x) == 0.0f);
  // A non-finite sample: NaN.
  g_x[3] = NAN;
  const float v = spectral_kurtosis_max(&sk, g_x);
  TMF_EXPECT(v != v);
}

TMF_TEST(DetectSpectralKurtosis, SteadyToneGivesMinusOne) {
  // Exactly 5 cycles per frame: every frame is the same, so every band's P is constant in t.
  SpectralKurtosis sk{};
  TMF_ASSERT(make(&sk, kFrame, 16 * kFrame, 1) == DetectStatus::kOk);
  for (uint32_t i = 0; i < 16 * kFrame; ++i) g_x[i] = static_cast<float>(sin(2 * kPi * 5.0 * (i % kFrame) / kFrame));
  TMF_EXPECT(fabs(spectral_kurtosis_max(&sk, g_x) + 1.0f) < 1e-5f);
}

TMF_TEST(DetectSpectralKurtosis, MatchesDoubleDftAndRisesWithBursts) {
  SpectralKurtosis sk{};
  TMF_ASSERT(make(&sk, kFrame, kSamples, 1) == DetectStatus::kOk);
  make_signal(11, false);
  const float noise = spectral_kurtosis_max(&sk, g_x);
  TMF_EXPECT(fabs(noise - oracle_max(g_x, kFrame, kSamples, 1)) < 1e-4);
  make_signal(11, true);
  const float bursts = spectral_kurtosis_max(&sk, g_x);
  TMF_EXPECT(fabs(bursts - oracle_max(g_x, kFrame, kSamples, 1)) < 1e-4 * fabs(bursts));
  // 64 frames of Gaussian noise: each band's SK has std about sqrt(4 / 64) = 0.25, the largest of
  // 15 stays near 0.5; the bursts' band reaches several.
  TMF_EXPECT(noise < 1.5f);
  TMF_EXPECT(bursts > 2.0f * noise + 1.0f);
  // A ratio: a machine 8 times louder (a power of two: every product scales exactly) reads the same.
  for (float& v : g_x) v *= 8.0f;
  TMF_EXPECT(bits(spectral_kurtosis_max(&sk, g_x)) == bits(bursts));
}

// The host's bits (x86-64 SSE2); the Cortex-M4 build under QEMU must give the same. The input is
// built without libm and every sample is exact (sums of small integers times powers of two), so
// the two platforms feed the same bits: bursts of a 5,120 Hz resonance (5 samples per period,
// amplitude halving every 4 samples) every 115 samples (4.5 ms) over integer noise.
TMF_TEST(DetectSpectralKurtosis, HostBitsPinned) {
  SpectralKurtosis sk{};
  TMF_ASSERT(make(&sk, kFrame, kSamples, 1) == DetectStatus::kOk);
  const int32_t cycle[5] = {0, 61, 38, -38, -61};  // 64 sin(2 pi j / 5), rounded
  g_rng = 23;
  for (uint32_t i = 0; i < kSamples; ++i) {
    g_rng = g_rng * 1664525u + 1013904223u;
    const int32_t noise = static_cast<int32_t>(g_rng >> 24) - 128;  // [-128, 127]
    const uint32_t j = i % 115;
    const int32_t burst = j < 48 ? (cycle[j % 5] * 4096) >> (j / 4) : 0;  // exact: j / 4 <= 11
    g_x[i] = static_cast<float>(noise * 32 + burst) * (1.0f / 1024.0f);
  }
#ifndef TMF_TEST_HOST
  tmf_bench_marker_begin();
#endif
  const float v = spectral_kurtosis_max(&sk, g_x);
#ifndef TMF_TEST_HOST
  tmf_bench_marker_end();
#endif
  TMF_EXPECT(v > 2.0f);
  TMF_EXPECT_EQ(bits(v), 1085610085u);
  TMF_EXPECT_EQ(bits(sk.window[1]), 1008560192u);
  TMF_EXPECT_EQ(bits(sk.twiddle[2 * 5 + 1]), 1062525745u);
}

TMF_TEST(DetectSpectralKurtosis, RejectsBadConfig) {
  SpectralKurtosis sk{};
  TMF_EXPECT(spectral_kurtosis_config_valid({0, 0, 0}));
  TMF_EXPECT(spectral_kurtosis_bytes({0, 0, 0}) == 0);
  TMF_EXPECT(sizeof(SpectralKurtosisConfig) == 4);
  TMF_EXPECT(spectral_kurtosis_bytes({64, 1, 2048}) == 1032);
  TMF_EXPECT(spectral_kurtosis_bytes({32, 1, 2048}) == 520);
  TMF_EXPECT(spectral_kurtosis_init(nullptr, {64, 1, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrNullArgument);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {0, 1, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {48, 1, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {8, 1, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {255, 1, 4096}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {64, 1, 192}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {64, 0, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {64, 32, 2048}, g_memory, sizeof(g_memory)) == DetectStatus::kErrBadConfig);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {64, 1, 2048}, g_memory, 1031) == DetectStatus::kErrMemoryTooSmall);
  TMF_EXPECT(spectral_kurtosis_init(&sk, {64, 1, 2048}, g_memory + 4, 1100) == DetectStatus::kErrMisaligned);
}

}  // namespace
}  // namespace tmf::detect
