// Real FFT (device/dsp/fft.h) against:
//   - a naive O(N^2) DFT evaluated in double in this file (cos/sin tables from double cos()), for
//     N = 16 ... 1024 and inputs from a seeded xorshift32 in [-1, 1): max |X - X_dft| must stay
//     below 1e-6 of the peak |X_dft| (measured on x86-64: at most 1.6e-7 for N = 16 ... 4096);
//   - closed forms: a cosine/sine on bin k has X[k] = A*N/2 (resp. -i*A*N/2) and nothing elsewhere;
//     DC gives X[0] = N*c; (-1)^n gives X[N/2] = N; Parseval N*sum x^2 = sum over all N bins |X|^2.
#include "device/dsp/fft.h"

#include <math.h>
#include <string.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Shared buffers (static: the QEMU stack is small). Largest transform: 4096 points in place.
alignas(4) float g_plan_memory[kFftMaxLength];
float g_buffer[kFftMaxLength + 2];
float g_input[1024];
double g_cos[1024];  // cos(2*pi*j/N), j < N, for the DFT oracle

uint32_t xorshift32(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

float uniform(uint32_t* state) {  // [-1, 1)
  return static_cast<float>(static_cast<double>(xorshift32(state) >> 8) / 8388608.0 - 1.0);
}

double magnitude(double re, double im) { return sqrt(re * re + im * im); }

// max_k |X[k] - DFT(x)[k]| / max_k |DFT(x)[k]| for x = g_input[0..n-1], X = g_buffer.
double relative_error_vs_dft(uint32_t n) {
  for (uint32_t j = 0; j < n; ++j) g_cos[j] = cos(2.0 * kPi * j / n);
  double max_err = 0.0;
  double max_mag = 0.0;
  for (uint32_t k = 0; k <= n / 2; ++k) {
    double re = 0.0;
    double im = 0.0;
    for (uint32_t t = 0; t < n; ++t) {
      const uint32_t j = (k * t) % n;
      re += g_input[t] * g_cos[j];
      im -= g_input[t] * g_cos[(j + 3 * n / 4) % n];  // sin(a) = cos(a - pi/2)
    }
    const double err = magnitude(g_buffer[2 * k] - re, g_buffer[2 * k + 1] - im);
    if (err > max_err) max_err = err;
    const double mag = magnitude(re, im);
    if (mag > max_mag) max_mag = mag;
  }
  return max_err / max_mag;
}

FftPlan make_plan(uint32_t n) {
  FftPlan plan{};
  (void)fft_plan_init(&plan, n, g_plan_memory, sizeof(g_plan_memory));
  return plan;
}

TMF_TEST(DspFft, LengthValidity) {
  TMF_EXPECT(!fft_length_is_valid(0));
  TMF_EXPECT(!fft_length_is_valid(8));
  TMF_EXPECT(!fft_length_is_valid(15));
  TMF_EXPECT(fft_length_is_valid(16));
  TMF_EXPECT(!fft_length_is_valid(24));
  TMF_EXPECT(!fft_length_is_valid(1000));
  TMF_EXPECT(fft_length_is_valid(1024));
  TMF_EXPECT(fft_length_is_valid(4096));
  TMF_EXPECT(!fft_length_is_valid(8192));
  TMF_EXPECT(!fft_length_is_valid(0x80000000u));
  TMF_EXPECT_EQ(fft_plan_bytes(16), 64);
  TMF_EXPECT_EQ(fft_plan_bytes(4096), 16384);
  TMF_EXPECT_EQ(fft_plan_bytes(100), 0);
}

TMF_TEST(DspFft, PlanInitErrors) {
  FftPlan plan{};
  TMF_EXPECT(fft_plan_init(nullptr, 64, g_plan_memory, 256) == DspStatus::kErrNullArgument);
  TMF_EXPECT(fft_plan_init(&plan, 64, nullptr, 256) == DspStatus::kErrNullArgument);
  TMF_EXPECT(fft_plan_init(&plan, 48, g_plan_memory, 256) == DspStatus::kErrBadLength);
  TMF_EXPECT(fft_plan_init(&plan, 8192, g_plan_memory, sizeof(g_plan_memory)) ==
             DspStatus::kErrBadLength);
  char* misaligned = reinterpret_cast<char*>(g_plan_memory) + 1;
  TMF_EXPECT(fft_plan_init(&plan, 64, misaligned, 255) == DspStatus::kErrWorkMisaligned);
  TMF_EXPECT(fft_plan_init(&plan, 64, g_plan_memory, 255) == DspStatus::kErrWorkTooSmall);
  TMF_EXPECT_EQ(plan.n, 0);  // a failed init leaves the plan unusable
  TMF_EXPECT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kErrNotInitialized);
  TMF_EXPECT(fft_plan_init(&plan, 64, g_plan_memory, 256) == DspStatus::kOk);
  TMF_EXPECT_EQ(plan.n, 64);
}

TMF_TEST(DspFft, ForwardErrors) {
  FftPlan plan = make_plan(64);
  TMF_EXPECT(fft_real_forward(nullptr, g_input, g_buffer) == DspStatus::kErrNullArgument);
  TMF_EXPECT(fft_real_forward(&plan, nullptr, g_buffer) == DspStatus::kErrNullArgument);
  TMF_EXPECT(fft_real_forward(&plan, g_input, nullptr) == DspStatus::kErrNullArgument);
  const FftPlan zeroed{};
  TMF_EXPECT(fft_real_forward(&zeroed, g_input, g_buffer) == DspStatus::kErrNotInitialized);
  const FftPlan no_table{64, nullptr};
  TMF_EXPECT(fft_real_forward(&no_table, g_input, g_buffer) == DspStatus::kErrNotInitialized);
}

TMF_TEST(DspFft, MatchesNaiveDftOnRandomInputs) {
  uint32_t seed = 0x1234567u;
  for (uint32_t n = 16; n <= 1024; n *= 2) {
    for (int trial = 0; trial < 2; ++trial) {
      for (uint32_t i = 0; i < n; ++i) g_input[i] = uniform(&seed);
      FftPlan plan = make_plan(n);
      TMF_ASSERT(plan.n == n);
      TMF_ASSERT(fft_real_forward(&plan, g_input, g_buffer) == DspStatus::kOk);
      TMF_EXPECT(relative_error_vs_dft(n) < 1e-6);
      TMF_EXPECT(g_buffer[1] == 0.0f && g_buffer[n + 1] == 0.0f);
    }
  }
}

TMF_TEST(DspFft, InPlaceEqualsOutOfPlaceAndLeavesInputAlone) {
  uint32_t seed = 99;
  const uint32_t n = 512;
  for (uint32_t i = 0; i < n; ++i) g_input[i] = uniform(&seed);
  static float in_place[514];
  memcpy(in_place, g_input, n * sizeof(float));
  FftPlan plan = make_plan(n);
  TMF_ASSERT(fft_real_forward(&plan, g_input, g_buffer) == DspStatus::kOk);
  TMF_EXPECT_BYTES_EQ(g_input, in_place, n * sizeof(float));
  TMF_ASSERT(fft_real_forward(&plan, in_place, in_place) == DspStatus::kOk);
  TMF_EXPECT_BYTES_EQ(in_place, g_buffer, (n + 2) * sizeof(float));
}

// x[t] = A cos(2 pi k0 t / N) + B sin(2 pi k0 t / N): X[k0] = (A - iB) N / 2, 0 elsewhere.
void check_tone(TmfTestState* tmf_test_state_, uint32_t n, uint32_t k0) {
  const double a = 0.75;
  const double b = -0.4;
  for (uint32_t t = 0; t < n; ++t) {
    const double phase = 2.0 * kPi * static_cast<double>((static_cast<uint64_t>(k0) * t) % n) / n;
    g_buffer[t] = static_cast<float>(a * cos(phase) + b * sin(phase));
  }
  FftPlan plan = make_plan(n);
  TMF_ASSERT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kOk);
  const double peak = n / 2.0;
  TMF_EXPECT(fabs(g_buffer[2 * k0] - a * peak) < 1e-5 * peak);
  TMF_EXPECT(fabs(g_buffer[2 * k0 + 1] + b * peak) < 1e-5 * peak);
  double worst_other = 0.0;
  for (uint32_t k = 0; k <= n / 2; ++k) {
    if (k == k0) continue;
    const double m = magnitude(g_buffer[2 * k], g_buffer[2 * k + 1]);
    if (m > worst_other) worst_other = m;
  }
  TMF_EXPECT(worst_other < 1e-5 * peak);
}

TMF_TEST(DspFft, ToneOnBinHasEnergyOnlyThere) {
  check_tone(tmf_test_state_, 16, 3);
  check_tone(tmf_test_state_, 64, 1);
  check_tone(tmf_test_state_, 256, 127);
  check_tone(tmf_test_state_, 1024, 100);
  check_tone(tmf_test_state_, 4096, 1365);
}

TMF_TEST(DspFft, DcAndNyquist) {
  const uint32_t n = 4096;
  FftPlan plan = make_plan(n);
  for (uint32_t t = 0; t < n; ++t) g_buffer[t] = 0.375f;
  TMF_ASSERT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kOk);
  TMF_EXPECT(fabs(g_buffer[0] - 0.375 * n) < 1e-6 * n);
  for (uint32_t i = 1; i < n + 2; ++i) TMF_EXPECT(fabs(g_buffer[i]) < 1e-6 * n);
  for (uint32_t t = 0; t < n; ++t) g_buffer[t] = (t % 2 == 0) ? 1.0f : -1.0f;
  TMF_ASSERT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kOk);
  TMF_EXPECT(fabs(g_buffer[n] - static_cast<double>(n)) < 1e-6 * n);
  for (uint32_t i = 0; i < n; ++i) TMF_EXPECT(fabs(g_buffer[i]) < 1e-6 * n);
  TMF_EXPECT(g_buffer[n + 1] == 0.0f);
}

TMF_TEST(DspFft, ParsevalAtEveryLength) {
  uint32_t seed = 0xBEEFu;
  for (uint32_t n = kFftMinLength; n <= kFftMaxLength; n *= 2) {
    double energy = 0.0;
    for (uint32_t t = 0; t < n; ++t) {
      g_buffer[t] = uniform(&seed);
      energy += static_cast<double>(g_buffer[t]) * g_buffer[t];
    }
    FftPlan plan = make_plan(n);
    TMF_ASSERT(fft_real_forward(&plan, g_buffer, g_buffer) == DspStatus::kOk);
    double spectral = 0.0;  // bins 1..N/2-1 stand for themselves and their mirror images
    for (uint32_t k = 0; k <= n / 2; ++k) {
      const double p = static_cast<double>(g_buffer[2 * k]) * g_buffer[2 * k] +
                       static_cast<double>(g_buffer[2 * k + 1]) * g_buffer[2 * k + 1];
      spectral += (k == 0 || k == n / 2) ? p : 2.0 * p;
    }
    TMF_EXPECT(fabs(spectral - n * energy) < 1e-5 * n * energy);
  }
}

TMF_TEST(DspFft, TwiddleTableIsExactlySymmetric) {
  const uint32_t n = 1024;
  FftPlan plan = make_plan(n);
  TMF_ASSERT(plan.n == n);
  const float* tw = plan.twiddle;
  TMF_EXPECT(tw[0] == 1.0f && tw[1] == 0.0f);
  TMF_EXPECT(tw[2 * (n / 4)] == 0.0f && tw[2 * (n / 4) + 1] == 1.0f);
  for (uint32_t k = 1; k < n / 4; ++k) {
    TMF_EXPECT(tw[2 * (n / 2 - k)] == -tw[2 * k]);          // cos(pi - a) = -cos(a)
    TMF_EXPECT(tw[2 * (n / 2 - k) + 1] == tw[2 * k + 1]);   // sin(pi - a) = sin(a)
    if (k < n / 8) TMF_EXPECT(tw[2 * (n / 4 - k)] == tw[2 * k + 1]);  // cos(pi/2 - a) = sin(a)
  }
}

}  // namespace
}  // namespace tmf::dsp
