// Window statistics (device/dsp/stats.h) against closed forms and a double-precision oracle:
//   - square wave +-A: mean 0, RMS A, peak A, crest 1, skewness 0, kurtosis 1;
//   - sine of amplitude A over whole periods: RMS A/sqrt 2, crest sqrt 2, skewness 0, kurtosis 3/2;
//   - single spike A in n samples (Bernoulli, p = 1/n): mean A/n, RMS A/sqrt n, crest sqrt n,
//     skewness (n-2)/sqrt(n-1), kurtosis (n^2-3n+3)/(n-1);
//   - constant input: the documented values (stddev, skewness, kurtosis 0; crest 1, or 0 if zero);
//   - random and DC-offset inputs: population moments computed in double in this file.
#include "device/dsp/stats.h"

#include <math.h>

#include "tests/support/tmf_test.h"

namespace tmf::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

float g_x[4096];

bool near(double actual, double expected, double tolerance) {
  return fabs(actual - expected) <= tolerance;
}

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

struct Moments {
  double mean, rms, stddev, skewness, kurtosis;
};

Moments oracle(const float* x, uint32_t n) {
  double sum = 0.0;
  double sum_sq = 0.0;
  for (uint32_t i = 0; i < n; ++i) {
    sum += x[i];
    sum_sq += static_cast<double>(x[i]) * x[i];
  }
  const double mean = sum / n;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (uint32_t i = 0; i < n; ++i) {
    const double d = x[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {mean, sqrt(sum_sq / n), sqrt(m2), m3 / pow(m2, 1.5), m4 / (m2 * m2)};
}

TMF_TEST(DspStats, SquareWave) {
  const float a = 2.5f;
  const uint32_t n = 1000;
  for (uint32_t i = 0; i < n; ++i) g_x[i] = (i / 10) % 2 == 0 ? a : -a;
  SignalStats s{};
  TMF_ASSERT(stats_compute(g_x, n, &s) == DspStatus::kOk);
  TMF_EXPECT(s.mean == 0.0f);
  TMF_EXPECT(near(s.rms, a, 1e-6 * a));
  TMF_EXPECT(s.peak == a);
  TMF_EXPECT(near(s.stddev, a, 1e-6 * a));
  TMF_EXPECT(near(s.crest, 1.0, 1e-6));
  TMF_EXPECT(near(s.skewness, 0.0, 1e-6));
  TMF_EXPECT(near(s.kurtosis, 1.0, 1e-6));
}

TMF_TEST(DspStats, SineOverWholePeriods) {
  const double a = 0.8;
  const uint32_t n = 1200;  // 10 periods of 120 samples; sample 30 is the crest
  for (uint32_t i = 0; i < n; ++i) g_x[i] = static_cast<float>(a * sin(2.0 * kPi * (i % 120) / 120));
  SignalStats s{};
  TMF_ASSERT(stats_compute(g_x, n, &s) == DspStatus::kOk);
  TMF_EXPECT(near(s.mean, 0.0, 1e-7));
  TMF_EXPECT(near(s.rms, a / sqrt(2.0), 1e-6));
  TMF_EXPECT(near(s.peak, a, 1e-7));
  TMF_EXPECT(near(s.crest, sqrt(2.0), 1e-5));
  TMF_EXPECT(near(s.skewness, 0.0, 1e-5));
  TMF_EXPECT(near(s.kurtosis, 1.5, 1e-5));
}

TMF_TEST(DspStats, SingleSpike) {
  const double a = -3.0;  // a negative spike: skewness flips sign
  const uint32_t n = 100;
  for (uint32_t i = 0; i < n; ++i) g_x[i] = 0.0f;
  g_x[17] = static_cast<float>(a);
  SignalStats s{};
  TMF_ASSERT(stats_compute(g_x, n, &s) == DspStatus::kOk);
  TMF_EXPECT(near(s.mean, a / n, 1e-7));
  TMF_EXPECT(near(s.rms, fabs(a) / sqrt(n), 1e-6));
  TMF_EXPECT(s.peak == 3.0f);
  TMF_EXPECT(near(s.crest, sqrt(n), 1e-5));
  TMF_EXPECT(near(s.stddev, fabs(a) * sqrt((n - 1.0) / (n * n)), 1e-6));
  TMF_EXPECT(near(s.skewness, -(n - 2.0) / sqrt(n - 1.0), 1e-4));
  TMF_EXPECT(near(s.kurtosis, (n * n - 3.0 * n + 3.0) / (n - 1.0), 1e-3));
}

TMF_TEST(DspStats, ConstantInputHasDefinedResults) {
  const float c = -0.3f;
  for (uint32_t i = 0; i < 777; ++i) g_x[i] = c;
  SignalStats s{};
  TMF_ASSERT(stats_compute(g_x, 777, &s) == DspStatus::kOk);
  TMF_EXPECT(s.mean == c && s.rms == 0.3f && s.peak == 0.3f && s.crest == 1.0f);
  TMF_EXPECT(s.stddev == 0.0f && s.skewness == 0.0f && s.kurtosis == 0.0f);
  for (uint32_t i = 0; i < 64; ++i) g_x[i] = 0.0f;
  TMF_ASSERT(stats_compute(g_x, 64, &s) == DspStatus::kOk);
  TMF_EXPECT(s.mean == 0.0f && s.rms == 0.0f && s.peak == 0.0f && s.crest == 0.0f);
  TMF_EXPECT(s.stddev == 0.0f && s.skewness == 0.0f && s.kurtosis == 0.0f);
  TMF_ASSERT(stats_compute(g_x, 1, &s) == DspStatus::kOk);  // one sample is constant too
  TMF_EXPECT(s.kurtosis == 0.0f);
}

void check_against_oracle(TmfTestState* tmf_test_state_, const float* x, uint32_t n,
                          double moment_tolerance) {
  SignalStats s{};
  TMF_ASSERT(stats_compute(x, n, &s) == DspStatus::kOk);
  const Moments m = oracle(x, n);
  TMF_EXPECT(near(s.mean, m.mean, 1e-6 * (fabs(m.mean) + m.stddev)));
  TMF_EXPECT(near(s.rms, m.rms, 1e-6 * m.rms));
  TMF_EXPECT(near(s.stddev, m.stddev, moment_tolerance * m.stddev));
  TMF_EXPECT(near(s.crest, s.peak / m.rms, 1e-6 * s.crest));
  TMF_EXPECT(near(s.skewness, m.skewness, moment_tolerance));
  TMF_EXPECT(near(s.kurtosis, m.kurtosis, moment_tolerance * m.kurtosis));
}

TMF_TEST(DspStats, RandomInputsMatchDoubleOracle) {
  uint32_t seed = 2024;
  // Skewed (cubed uniform) and heavy-tailed (spiky) windows, 4096 samples as a long frame.
  for (uint32_t i = 0; i < 4096; ++i) {
    const float u = uniform(&seed);
    g_x[i] = 0.05f + u * u * u;
  }
  check_against_oracle(tmf_test_state_, g_x, 4096, 1e-5);
  for (uint32_t i = 0; i < 4096; ++i) g_x[i] = 0.01f * uniform(&seed);
  for (uint32_t i = 0; i < 4096; i += 97) g_x[i] = 2.0f;
  check_against_oracle(tmf_test_state_, g_x, 4096, 1e-5);
}

TMF_TEST(DspStats, LargeDcOffsetAndExtremeScales) {
  // Vibration of 1e-3 riding on 1000 (float resolution there: 6e-5): the corrected two-pass keeps
  // the moments close to the double oracle on the same float samples.
  uint32_t seed = 7;
  for (uint32_t i = 0; i < 2048; ++i) g_x[i] = 1000.0f + 1e-3f * uniform(&seed);
  check_against_oracle(tmf_test_state_, g_x, 2048, 1e-3);
  // Scaling by 2^60 or 2^-60 changes no shape statistic (x^4 would overflow/underflow unscaled).
  for (uint32_t i = 0; i < 2048; ++i) g_x[i] = uniform(&seed);
  SignalStats base{};
  TMF_ASSERT(stats_compute(g_x, 2048, &base) == DspStatus::kOk);
  const float scales[] = {1.152921504606847e18f, 8.673617379884035e-19f};
  for (float k : scales) {
    for (uint32_t i = 0; i < 2048; ++i) g_x[i] *= k;
    SignalStats s{};
    TMF_ASSERT(stats_compute(g_x, 2048, &s) == DspStatus::kOk);
    TMF_EXPECT(s.skewness == base.skewness && s.kurtosis == base.kurtosis);
    TMF_EXPECT(s.crest == base.crest && s.rms == base.rms * k);
    for (uint32_t i = 0; i < 2048; ++i) g_x[i] /= k;
  }
}

TMF_TEST(DspStats, Errors) {
  SignalStats s{};
  TMF_EXPECT(stats_compute(nullptr, 4, &s) == DspStatus::kErrNullArgument);
  TMF_EXPECT(stats_compute(g_x, 4, nullptr) == DspStatus::kErrNullArgument);
  TMF_EXPECT(stats_compute(g_x, 0, &s) == DspStatus::kErrBadLength);
}

}  // namespace
}  // namespace tmf::dsp
