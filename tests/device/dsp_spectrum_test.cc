// Power spectrum, band energies and log (device/dsp/spectrum.h) against closed forms:
//   - a Hann-windowed sine of amplitude A centred on bin k0 has, with scale 4 / (sum w)^2, power A^2
//     at k0, A^2/4 at k0 +- 1 and 0 elsewhere (the periodic Hann spectrum is 3 bins wide), so its
//     band holds 1.5 A^2 and every other band ~0;
//   - band bin ranges worked out by hand for 1 Hz bins and for exact binary bin widths;
//   - ln at known points (ln 1 = 0, ln e = 1, ln of the floor).
#include "device/dsp/spectrum.h"

#include <math.h>

#include "device/dsp/fft.h"
#include "device/dsp/window.h"
#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

alignas(4) float g_plan_memory[1024];
float g_window[1024];
float g_buffer[1026];
float g_bands[16];

TMF_TEST(DspSpectrum, PowerScalesSquaredMagnitudeInPlace) {
  for (uint32_t i = 0; i < 18; ++i) g_buffer[i] = static_cast<float>(i) * 0.5f - 3.0f;
  static float power[9];
  TMF_ASSERT(spectrum_power(g_buffer, 16, 0.25f, power) == DspStatus::kOk);
  for (uint32_t k = 0; k <= 8; ++k) {
    const float re = g_buffer[2 * k];
    const float im = g_buffer[2 * k + 1];
    TMF_EXPECT(power[k] == 0.25f * (re * re + im * im));
  }
  TMF_ASSERT(spectrum_power(g_buffer, 16, 0.25f, g_buffer) == DspStatus::kOk);
  TMF_EXPECT_BYTES_EQ(g_buffer, power, sizeof(power));
}

TMF_TEST(DspSpectrum, PowerErrors) {
  float p[9];
  TMF_EXPECT(spectrum_power(nullptr, 16, 1.0f, p) == DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_power(g_buffer, 16, 1.0f, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_power(g_buffer, 12, 1.0f, p) == DspStatus::kErrBadLength);
  TMF_EXPECT(spectrum_power(g_buffer, 16, -1.0f, p) == DspStatus::kErrBadParams);
  TMF_EXPECT(spectrum_power(g_buffer, 16, NAN, p) == DspStatus::kErrBadParams);
  TMF_EXPECT(spectrum_power(g_buffer, 16, INFINITY, p) == DspStatus::kErrBadParams);
}

// The bearing data's rate: 12 kHz, 1024-point frames (11.71875 Hz bins).
TMF_TEST(DspSpectrum, HannSineLandsInItsBandWithClosedFormEnergy) {
  const uint32_t n = 1024;
  const float fs = 12000.0f;
  const uint32_t k0 = 100;  // 1171.875 Hz: band 2 of 12 bands of 500 Hz
  const double amplitude = 0.7;
  FftPlan plan{};
  TMF_ASSERT(fft_plan_init(&plan, n, g_plan_memory, sizeof(g_plan_memory)) == DspStatus::kOk);
  TMF_ASSERT(window_hann_periodic(g_window, n) == DspStatus::kOk);
  for (uint32_t t = 0; t < n; ++t) {
    g_buffer[t] = static_cast<float>(amplitude * sin(2.0 * kPi * ((k0 * t) % n) / n + 0.3));
  }
  TMF_ASSERT(window_apply(g_window, g_buffer, g_buffer, n) == DspStatus::kOk);
  TMF_ASSERT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kOk);
  const float sum_w = window_sum(g_window, n);
  TMF_ASSERT(spectrum_power(g_buffer, n, 4.0f / (sum_w * sum_w), g_buffer) == DspStatus::kOk);
  const double a2 = amplitude * amplitude;
  TMF_EXPECT(fabs(g_buffer[k0] - a2) < 1e-5 * a2);
  TMF_EXPECT(fabs(g_buffer[k0 - 1] - a2 / 4) < 1e-5 * a2);
  TMF_EXPECT(fabs(g_buffer[k0 + 1] - a2 / 4) < 1e-5 * a2);
  TMF_ASSERT(spectrum_band_energies(g_buffer, n, fs, 0.0f, 6000.0f, 12, g_bands) == DspStatus::kOk);
  for (uint32_t b = 0; b < 12; ++b) {
    if (b == 2) {
      TMF_EXPECT(fabs(g_bands[b] - 1.5 * a2) < 1e-5 * a2);
    } else {
      TMF_EXPECT(g_bands[b] < 1e-9 * a2);
    }
  }
}

TMF_TEST(DspSpectrum, BandBinRangesByHand) {
  // 1 Hz bins (fs = n): 8 bands of 64 Hz over [0, 512]; the last band is closed and takes bin 512.
  for (uint32_t k = 0; k <= 512; ++k) g_buffer[k] = 1.0f;
  TMF_ASSERT(spectrum_band_energies(g_buffer, 1024, 1024.0f, 0.0f, 512.0f, 8, g_bands) ==
             DspStatus::kOk);
  for (uint32_t b = 0; b < 7; ++b) TMF_EXPECT(g_bands[b] == 64.0f);
  TMF_EXPECT(g_bands[7] == 65.0f);
  for (uint32_t b = 0; b <= 8; ++b) {
    TMF_EXPECT_EQ(spectrum_band_first_bin(1024, 1024.0f, 0.0f, 512.0f, 8, b), b < 8 ? 64 * b : 513);
  }
  // [10.5, 20.5] Hz holds bins 11..20.
  TMF_ASSERT(spectrum_band_energies(g_buffer, 1024, 1024.0f, 10.5f, 20.5f, 1, g_bands) ==
             DspStatus::kOk);
  TMF_EXPECT(g_bands[0] == 10.0f);
  // Weighted bins: band [3, 6) of 1 Hz bins sums power[3..5] exactly.
  for (uint32_t k = 0; k <= 8; ++k) g_buffer[k] = static_cast<float>(1u << k);
  TMF_ASSERT(spectrum_band_energies(g_buffer, 16, 16.0f, 3.0f, 8.0f, 5, g_bands) == DspStatus::kOk);
  TMF_EXPECT(g_bands[0] == 8.0f && g_bands[1] == 16.0f && g_bands[2] == 32.0f);
  TMF_EXPECT(g_bands[3] == 64.0f && g_bands[4] == 128.0f + 256.0f);
  // More bands than bins in range: some bands are empty, none loses or doubles a bin.
  TMF_ASSERT(spectrum_band_energies(g_buffer, 16, 16.0f, 0.0f, 2.0f, 8, g_bands) == DspStatus::kOk);
  float total = 0.0f;
  for (uint32_t b = 0; b < 8; ++b) total += g_bands[b];
  TMF_EXPECT(total == 1.0f + 2.0f + 4.0f);
}

TMF_TEST(DspSpectrum, BandEdgesSnapWithinOneSixtyFourthBin) {
  // 12 kHz, 4096 points: 2.9296875 Hz bins (exact in binary); bin 300 = 878.90625 Hz.
  const float bin300 = 878.90625f;
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, bin300, 1000.0f, 1, 0), 300);
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, bin300 + 0.01f, 1000.0f, 1, 0), 300);
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, bin300 - 0.01f, 1000.0f, 1, 0), 300);
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, bin300 + 0.1f, 1000.0f, 1, 0), 301);
  // Closed upper edge at bin 300: the band ends after it; just below, before it.
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, 0.0f, bin300, 1, 1), 301);
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, 0.0f, bin300 - 0.01f, 1, 1), 301);
  TMF_EXPECT_EQ(spectrum_band_first_bin(4096, 12000.0f, 0.0f, bin300 - 0.1f, 1, 1), 300);
}

TMF_TEST(DspSpectrum, BandErrors) {
  float* p = g_buffer;
  float* b = g_bands;
  TMF_EXPECT(spectrum_band_energies(nullptr, 64, 100.0f, 0.0f, 50.0f, 4, b) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, 50.0f, 4, nullptr) ==
             DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_band_energies(p, 65, 100.0f, 0.0f, 50.0f, 4, b) == DspStatus::kErrBadLength);
  TMF_EXPECT(spectrum_band_energies(p, 8192, 100.0f, 0.0f, 50.0f, 4, b) == DspStatus::kErrBadLength);
  const DspStatus bad = DspStatus::kErrBadParams;
  TMF_EXPECT(spectrum_band_energies(p, 64, 0.0f, 0.0f, 50.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, -100.0f, 0.0f, 50.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, NAN, 0.0f, 50.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, -1.0f, 50.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 30.0f, 30.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 40.0f, 30.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, 50.5f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, INFINITY, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, NAN, 50.0f, 4, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, 50.0f, 0, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, 50.0f, 34, b) == bad);
  TMF_EXPECT(spectrum_band_energies(p, 64, 100.0f, 0.0f, 50.0f, 33, b) == DspStatus::kOk);
}

TMF_TEST(DspSpectrum, LogWithFloor) {
  float in[6] = {1.0f, 2.718281828f, 0.0f, -5.0f, NAN, 1e-20f};
  float out[6];
  TMF_ASSERT(spectrum_log(in, out, 6, kSpectrumLogFloor) == DspStatus::kOk);
  const double log_floor = log(1e-10);
  TMF_EXPECT(out[0] == 0.0f);
  TMF_EXPECT(fabs(out[1] - 1.0) < 1e-6);
  for (int i = 2; i < 6; ++i) TMF_EXPECT(fabs(out[i] - log_floor) < 1e-5);
  TMF_ASSERT(spectrum_log(in, in, 6, 0.5f) == DspStatus::kOk);  // in place, another floor
  TMF_EXPECT(in[0] == 0.0f && fabs(in[2] - log(0.5)) < 1e-6 && fabs(in[4] - log(0.5)) < 1e-6);
}

TMF_TEST(DspSpectrum, LogErrors) {
  float v[2] = {1.0f, 2.0f};
  TMF_EXPECT(spectrum_log(nullptr, v, 2, 1e-10f) == DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_log(v, nullptr, 2, 1e-10f) == DspStatus::kErrNullArgument);
  TMF_EXPECT(spectrum_log(v, v, 0, 1e-10f) == DspStatus::kErrBadLength);
  TMF_EXPECT(spectrum_log(v, v, 2, 0.0f) == DspStatus::kErrBadParams);
  TMF_EXPECT(spectrum_log(v, v, 2, -1.0f) == DspStatus::kErrBadParams);
  TMF_EXPECT(spectrum_log(v, v, 2, NAN) == DspStatus::kErrBadParams);
  TMF_EXPECT(spectrum_log(v, v, 2, INFINITY) == DspStatus::kErrBadParams);
}

}  // namespace
}  // namespace tmf::dsp
