// Hann window (device/dsp/window.h) against its closed form 0.5 - 0.5 cos(2 pi i / n) evaluated in
// double here (known points: w[0] = 0, w[n/4] = 0.5, w[n/2] = 1, w[1] of n = 8 = (2 - sqrt 2)/4),
// and the closed-form sums of the periodic Hann window: sum = n/2, sum of squares = 3n/8.
#include "device/dsp/window.h"

#include <math.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

float g_window[1000];
float g_data[1000];

TMF_TEST(DspWindow, HannKnownPoints) {
  float w[8];
  TMF_ASSERT(window_hann_periodic(w, 8) == DspStatus::kOk);
  TMF_EXPECT(w[0] == 0.0f);
  TMF_EXPECT(fabs(w[1] - (2.0 - sqrt(2.0)) / 4.0) < 1e-7);
  TMF_EXPECT(fabs(w[2] - 0.5) < 1e-7);
  TMF_EXPECT(fabs(w[3] - (2.0 + sqrt(2.0)) / 4.0) < 1e-7);
  TMF_EXPECT(w[4] == 1.0f);
  for (int i = 1; i < 8; ++i) TMF_EXPECT(w[i] == w[8 - i]);
  float w2[2];
  TMF_ASSERT(window_hann_periodic(w2, 2) == DspStatus::kOk);
  TMF_EXPECT(w2[0] == 0.0f && w2[1] == 1.0f);
}

TMF_TEST(DspWindow, HannMatchesClosedFormAndSums) {
  const uint32_t lengths[] = {3, 7, 64, 999, 1000};
  for (uint32_t n : lengths) {
    TMF_ASSERT(window_hann_periodic(g_window, n) == DspStatus::kOk);
    double max_err = 0.0;
    for (uint32_t i = 0; i < n; ++i) {
      const double expected = 0.5 - 0.5 * cos(2.0 * kPi * i / n);
      const double err = fabs(g_window[i] - expected);
      if (err > max_err) max_err = err;
      TMF_EXPECT(g_window[i] >= 0.0f && g_window[i] <= 1.0f);
      if (i > 0) TMF_EXPECT(g_window[i] == g_window[n - i]);
    }
    TMF_EXPECT(max_err < 2e-7);
    TMF_EXPECT(fabs(window_sum(g_window, n) - n / 2.0) < 1e-6 * n);
    TMF_EXPECT(fabs(window_energy(g_window, n) - 3.0 * n / 8.0) < 1e-6 * n);
  }
}

TMF_TEST(DspWindow, ApplyMultipliesAndMayAlias) {
  const uint32_t n = 64;
  TMF_ASSERT(window_hann_periodic(g_window, n) == DspStatus::kOk);
  for (uint32_t i = 0; i < n; ++i) g_data[i] = static_cast<float>(i) - 20.0f;
  static float out[64];
  TMF_ASSERT(window_apply(g_window, g_data, out, n) == DspStatus::kOk);
  for (uint32_t i = 0; i < n; ++i) TMF_EXPECT(out[i] == g_data[i] * g_window[i]);
  TMF_ASSERT(window_apply(g_window, g_data, g_data, n) == DspStatus::kOk);
  TMF_EXPECT_BYTES_EQ(g_data, out, n * sizeof(float));
}

TMF_TEST(DspWindow, Errors) {
  TMF_EXPECT(window_hann_periodic(nullptr, 8) == DspStatus::kErrNullArgument);
  TMF_EXPECT(window_hann_periodic(g_window, 0) == DspStatus::kErrBadLength);
  TMF_EXPECT(window_hann_periodic(g_window, 1) == DspStatus::kErrBadLength);
  TMF_EXPECT(window_apply(nullptr, g_data, g_data, 8) == DspStatus::kErrNullArgument);
  TMF_EXPECT(window_apply(g_window, nullptr, g_data, 8) == DspStatus::kErrNullArgument);
  TMF_EXPECT(window_apply(g_window, g_data, nullptr, 8) == DspStatus::kErrNullArgument);
  TMF_EXPECT(window_apply(g_window, g_data, g_data, 0) == DspStatus::kErrBadLength);
  TMF_EXPECT(window_sum(nullptr, 8) == 0.0f);
  TMF_EXPECT(window_energy(nullptr, 8) == 0.0f);
  TMF_EXPECT(window_sum(g_window, 0) == 0.0f);
}

}  // namespace
}  // namespace tmf::dsp
