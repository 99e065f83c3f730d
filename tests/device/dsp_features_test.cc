// DSP_FEATURES: device/dsp/features.h and the op (kernels/dsp_features.h).
// Oracle: the whole feature chain recomputed in double from the same samples and window values:
// a direct DFT with exact cos/sin (independent of the float twiddle table), band membership from
// the band definition worked out by hand (bin k at 10k Hz), ln in double, and population moments
// in double. The op's int8 output must equal round(z / s) + zp of the double z except within
// 1e-3 of a rounding tie. A second check ties the op to the function: its bytes equal
// features_compute + features_normalize + the documented quantization, at N = 1024.
#include "device/runtime/kernels/dsp_features.h"

#include <math.h>
#include <string.h>

#include "device/dsp/det_math.h"
#include "device/dsp/features.h"
#include "device/dsp/fft.h"
#include "device/dsp/spectrum.h"
#include "device/dsp/stats.h"
#include "device/dsp/window.h"
#include "device/runtime/kernels/scratch.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr uint32_t kMaxN = 4096;
constexpr uint32_t kMaxF = 64;

alignas(16) float g_twiddle[kMaxN];
float g_window[kMaxN];
float g_samples[kMaxN];
float g_work[kMaxN + 2];
float g_features[kMaxF];
float g_norm[2 * kMaxF];
double g_cos[kMaxN];  // cos(2 pi m / N), the oracle's DFT table

uint32_t g_rng = 1;
double next_uniform() {  // in [-1, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<double>(g_rng >> 8) / 8388608.0 - 1.0;
}

// Noise plus two tones and a DC offset, so every band holds energy.
void make_samples(uint32_t n, uint32_t seed) {
  g_rng = seed;
  for (uint32_t t = 0; t < n; ++t) {
    g_samples[t] = static_cast<float>(0.3 + 0.5 * next_uniform() +
                                      0.8 * sin(2.0 * kPi * 0.0371 * t) +
                                      0.4 * cos(2.0 * kPi * 0.2113 * t + 0.5));
  }
}

void make_tables(uint32_t n) {
  dsp::FftPlan plan{};
  dsp::fft_plan_init(&plan, n, g_twiddle, sizeof(g_twiddle));
  dsp::window_hann_periodic(g_window, n);
  for (uint32_t m = 0; m < n; ++m) g_cos[m] = cos(2.0 * kPi * m / n);
}

// Bins at 10 Hz (sample_rate = 10 N), bands of 100 Hz from 100 Hz: band b holds bins
// 10 + 10b .. 19 + 10b, the last band also bin 10 + 10 * bands (its closed upper edge).
dsp::FeaturesConfig config_10hz_bins(uint32_t n, uint32_t bands, uint32_t stats_mask) {
  dsp::FeaturesConfig c{};
  c.n_fft = n;
  c.sample_rate = 10.0f * static_cast<float>(n);
  c.f_lo = 100.0f;
  c.f_hi = 100.0f + 100.0f * static_cast<float>(bands);
  c.num_bands = bands;
  c.power_scale = 1.0f / static_cast<float>(n);
  c.log_floor = 1e-10f;
  c.stats_mask = stats_mask;
  return c;
}

// The double-precision features of g_samples under config c (built by config_10hz_bins).
void oracle_features(const dsp::FeaturesConfig& c, double* out) {
  const uint32_t n = c.n_fft;
  static double xw[kMaxN];
  for (uint32_t t = 0; t < n; ++t) xw[t] = static_cast<double>(g_samples[t]) * g_window[t];
  for (uint32_t b = 0; b < c.num_bands; ++b) {
    const uint32_t first = 10 + 10 * b;
    const uint32_t last = first + 9 + (b + 1 == c.num_bands ? 1 : 0);
    double energy = 0.0;
    for (uint32_t k = first; k <= last; ++k) {
      double re = 0.0, im = 0.0;
      for (uint32_t t = 0; t < n; ++t) {
        const uint32_t m = (k * t) % n;
        re += xw[t] * g_cos[m];
        im -= xw[t] * g_cos[(m + 3 * n / 4) % n];  // sin(a) = cos(a - pi/2)
      }
      energy += static_cast<double>(c.power_scale) * (re * re + im * im);
    }
    out[b] = log(energy > c.log_floor ? energy : static_cast<double>(c.log_floor));
  }
  double mean = 0.0, sq = 0.0, peak = 0.0;
  for (uint32_t t = 0; t < n; ++t) {
    mean += g_samples[t];
    sq += static_cast<double>(g_samples[t]) * g_samples[t];
    peak = fabs(g_samples[t]) > peak ? fabs(g_samples[t]) : peak;
  }
  mean /= n;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (uint32_t t = 0; t < n; ++t) {
    const double d = g_samples[t] - mean;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n, m3 /= n, m4 /= n;
  const double rms = sqrt(sq / n);
  uint32_t f = c.num_bands;
  if (c.stats_mask & dsp::kFeatureStatLogRms) out[f++] = log(rms);
  if (c.stats_mask & dsp::kFeatureStatLogPeak) out[f++] = log(peak);
  if (c.stats_mask & dsp::kFeatureStatCrest) out[f++] = peak / rms;
  if (c.stats_mask & dsp::kFeatureStatKurtosis) out[f++] = m4 / (m2 * m2);
  if (c.stats_mask & dsp::kFeatureStatSkewness) out[f++] = m3 / (m2 * sqrt(m2));
}

TMF_TEST(DspFeatures, MatchDoubleOracle) {
  const uint32_t lengths[2] = {64, 256};
  const uint32_t bands[2] = {2, 11};
  for (int i = 0; i < 2; ++i) {
    const uint32_t n = lengths[i];
    make_tables(n);
    make_samples(n, 7 + i);
    const dsp::FeaturesConfig c = config_10hz_bins(n, bands[i], dsp::kFeatureStatAll);
    TMF_ASSERT(dsp::features_check(c) == dsp::DspStatus::kOk);
    const uint32_t count = dsp::features_count(c);
    TMF_ASSERT(count == bands[i] + 5);
    TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, g_features) ==
               dsp::DspStatus::kOk);
    double expected[kMaxF];
    oracle_features(c, expected);
    for (uint32_t f = 0; f < count; ++f) {
      // ln features: absolute error; crest, kurtosis, skewness: relative (float sums, ~1e-7).
      const double tolerance = f < c.num_bands + 2 ? 2e-5 : 2e-5 * fabs(expected[f]) + 1e-6;
      TMF_EXPECT(fabs(g_features[f] - expected[f]) <= tolerance);
    }
  }
}

TMF_TEST(DspFeatures, ComputeEqualsTheStepByStepChainBitForBit) {
  // features_compute fuses window + FFT and power + bands; the documented chain must give the
  // same bits, at every length.
  static float chain[kMaxN + 2];
  for (uint32_t n = 64; n <= kMaxN; n *= 2) {
    make_tables(n);
    make_samples(n, n);
    const dsp::FeaturesConfig c = dsp::FeaturesConfig{
        n, 12000.0f, 150.0f, 5900.0f, 24, 4.0f / (0.25f * n * n), 1e-10f, dsp::kFeatureStatAll};
    TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, g_features) ==
               dsp::DspStatus::kOk);
    float expected[kMaxF];
    dsp::SignalStats st{};
    TMF_ASSERT(dsp::stats_compute(g_samples, n, &st) == dsp::DspStatus::kOk);
    const dsp::FftPlan plan{n, g_twiddle};
    TMF_ASSERT(dsp::window_apply(g_window, g_samples, chain, n) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::fft_real_forward(&plan, chain, chain) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::spectrum_power(chain, n, c.power_scale, chain) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::spectrum_band_energies(chain, n, c.sample_rate, c.f_lo, c.f_hi, c.num_bands,
                                           expected) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::spectrum_log(expected, expected, c.num_bands, c.log_floor) == dsp::DspStatus::kOk);
    expected[24] = dsp::det_logf(st.rms);
    expected[25] = dsp::det_logf(st.peak);
    expected[26] = st.crest;
    expected[27] = st.kurtosis;
    expected[28] = st.skewness;
    TMF_EXPECT_BYTES_EQ(g_features, expected, 29 * sizeof(float));
  }
}

TMF_TEST(DspFeatures, FirstDifferenceStats) {
  // Issue 16: crest factor and kurtosis of d[i] = x[i + 1] - x[i], appended after the plain
  // statistics. Oracles: a double two-pass over the differences (peak / rms, m4 / m2^2), and bit
  // for bit stats_compute over the float differences formed here; the bands and the plain stats
  // are unchanged by the extra bits. Then the reason for them: a strong low-frequency tone plus
  // sparse short bursts has a low raw kurtosis and a high first-difference kurtosis.
  static float d[kMaxN];
  for (uint32_t n = 256; n <= kMaxN; n *= 4) {
    make_tables(n);
    make_samples(n, 11 + n);
    const dsp::FeaturesConfig c = config_10hz_bins(n, 4, dsp::kFeatureStatKnown);
    TMF_ASSERT(dsp::features_count(c) == 4 + 7);
    TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, g_features) == dsp::DspStatus::kOk);
    float plain[kMaxF];
    const dsp::FeaturesConfig p = config_10hz_bins(n, 4, dsp::kFeatureStatAll);
    TMF_ASSERT(dsp::features_compute(p, g_twiddle, g_window, g_samples, g_work, plain) == dsp::DspStatus::kOk);
    TMF_EXPECT_BYTES_EQ(g_features, plain, 9 * sizeof(float));
    for (uint32_t i = 0; i + 1 < n; ++i) d[i] = g_samples[i + 1] - g_samples[i];
    dsp::SignalStats st{};
    TMF_ASSERT(dsp::stats_compute(d, n - 1, &st) == dsp::DspStatus::kOk);
    TMF_EXPECT_BYTES_EQ(&g_features[9], &st.crest, sizeof(float));
    TMF_EXPECT_BYTES_EQ(&g_features[10], &st.kurtosis, sizeof(float));
    double mean = 0.0, sq = 0.0, peak = 0.0;
    for (uint32_t i = 0; i + 1 < n; ++i) {
      const double v = static_cast<double>(g_samples[i + 1]) - g_samples[i];
      mean += v, sq += v * v, peak = fabs(v) > peak ? fabs(v) : peak;
    }
    mean /= n - 1;
    double m2 = 0.0, m4 = 0.0;
    for (uint32_t i = 0; i + 1 < n; ++i) {
      const double v = static_cast<double>(g_samples[i + 1]) - g_samples[i] - mean;
      m2 += v * v, m4 += v * v * v * v;
    }
    m2 /= n - 1, m4 /= n - 1;
    const double crest = peak / sqrt(sq / (n - 1)), kurtosis = m4 / (m2 * m2);
    TMF_EXPECT(fabs(g_features[9] - crest) <= 2e-5 * crest);
    TMF_EXPECT(fabs(g_features[10] - kurtosis) <= 2e-5 * kurtosis);
  }
  const uint32_t n = 1024;
  make_tables(n);
  constexpr double kPi = 3.14159265358979323846;
  for (uint32_t t = 0; t < n; ++t) {
    const double burst = t % 128 == 5 ? 0.4 : (t % 128 == 6 ? -0.4 : 0.0);  // one short burst per 128
    g_samples[t] = static_cast<float>(sin(2.0 * kPi * 3.0 * t / n) + burst);  // the shaft: 3 cycles
  }
  const dsp::FeaturesConfig c = config_10hz_bins(n, 4, dsp::kFeatureStatKurtosis | dsp::kFeatureStatDiffKurtosis);
  TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, g_features) == dsp::DspStatus::kOk);
  TMF_EXPECT(g_features[4] < 2.0f);   // the tone dominates the raw signal (a sine: 1.5)
  TMF_EXPECT(g_features[5] > 10.0f);  // the bursts dominate its first difference
}

TMF_TEST(DspFeatures, WindowedFftEqualsWindowThenFft) {
  static float a[kMaxN + 2], b[kMaxN + 2];
  for (uint32_t n = 16; n <= kMaxN; n *= 2) {
    dsp::FftPlan plan{};
    TMF_ASSERT(dsp::fft_plan_init(&plan, n, g_twiddle, sizeof(g_twiddle)) == dsp::DspStatus::kOk);
    dsp::window_hann_periodic(g_window, n);
    make_samples(n, 3 * n);
    TMF_ASSERT(dsp::window_apply(g_window, g_samples, a, n) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::fft_real_forward(&plan, a, a) == dsp::DspStatus::kOk);
    TMF_ASSERT(dsp::fft_real_forward_windowed(&plan, g_window, g_samples, b) == dsp::DspStatus::kOk);
    TMF_EXPECT_BYTES_EQ(b, a, (n + 2) * sizeof(float));
  }
  const dsp::FftPlan none{};
  TMF_EXPECT(dsp::fft_real_forward_windowed(&none, g_window, g_samples, b) == dsp::DspStatus::kErrNotInitialized);
  TMF_EXPECT(dsp::fft_real_forward_windowed(nullptr, g_window, g_samples, b) == dsp::DspStatus::kErrNullArgument);
}

TMF_TEST(DspFeatures, StatsTreatSignedZerosAsOneConstant) {
  // stats_compute tests constancy on the bits: +0 and -0 samples still form a constant window.
  const float zeros[4] = {0.0f, -0.0f, 0.0f, -0.0f};
  dsp::SignalStats st{};
  TMF_ASSERT(dsp::stats_compute(zeros, 4, &st) == dsp::DspStatus::kOk);
  TMF_EXPECT(st.rms == 0.0f && st.crest == 0.0f && st.kurtosis == 0.0f && st.stddev == 0.0f);
  const float nans[2] = {NAN, NAN};
  TMF_ASSERT(dsp::stats_compute(nans, 2, &st) == dsp::DspStatus::kOk);
  TMF_EXPECT(st.peak != st.peak && st.stddev != st.stddev);
}

TMF_TEST(DspFeatures, StatsOrderFollowsTheMaskBits) {
  const uint32_t n = 64;
  make_tables(n);
  make_samples(n, 3);
  dsp::FeaturesConfig c = config_10hz_bins(n, 2, dsp::kFeatureStatAll);
  float all[7];
  TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, all) == dsp::DspStatus::kOk);
  // Kurtosis and crest only: bands, then crest (bit 2), then kurtosis (bit 3).
  c.stats_mask = dsp::kFeatureStatKurtosis | dsp::kFeatureStatCrest;
  TMF_ASSERT(dsp::features_count(c) == 4);
  float some[4];
  TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, some) == dsp::DspStatus::kOk);
  TMF_EXPECT(some[0] == all[0] && some[1] == all[1]);
  TMF_EXPECT(some[2] == all[4]);
  TMF_EXPECT(some[3] == all[5]);
}

TMF_TEST(DspFeatures, SilenceReadsTheLogFloor) {
  const uint32_t n = 64;
  make_tables(n);
  for (uint32_t t = 0; t < n; ++t) g_samples[t] = 0.0f;
  dsp::FeaturesConfig c = config_10hz_bins(n, 2, dsp::kFeatureStatLogRms | dsp::kFeatureStatLogPeak);
  c.log_floor = 1e-6f;
  float out[4];
  TMF_ASSERT(dsp::features_compute(c, g_twiddle, g_window, g_samples, g_work, out) == dsp::DspStatus::kOk);
  for (float v : out) TMF_EXPECT(fabs(v - log(1e-6)) < 1e-6);
}

TMF_TEST(DspFeatures, CheckRejectsEachBadField) {
  const dsp::FeaturesConfig good = config_10hz_bins(256, 4, 0);
  TMF_EXPECT(dsp::features_check(good) == dsp::DspStatus::kOk);
  dsp::FeaturesConfig c = good;
  c.n_fft = 32;  // a valid FFT length, below the feature minimum
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadLength);
  c.n_fft = 8192;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadLength);
  c.n_fft = 1000;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadLength);
  c = good, c.sample_rate = 0.0f;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.sample_rate = 1e-40f, c.f_lo = 0.0f, c.f_hi = 1e-41f;  // N / rate would be inf
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.f_lo = -1.0f;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.f_hi = c.f_lo;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.f_hi = 0.5f * c.sample_rate + 1.0f;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.f_hi = NAN;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.num_bands = 0;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.num_bands = 256 / 2 + 2;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.power_scale = 0.0f;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.power_scale = INFINITY;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.log_floor = 0.0f;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  c = good, c.stats_mask = 1u << 7;
  TMF_EXPECT(dsp::features_check(c) == dsp::DspStatus::kErrBadParams);
  TMF_EXPECT(dsp::features_compute(good, nullptr, g_window, g_samples, g_work, g_features) ==
             dsp::DspStatus::kErrNullArgument);
  float z[2];
  TMF_EXPECT(dsp::features_normalize(z, g_norm, 0, z) == dsp::DspStatus::kErrBadLength);
  TMF_EXPECT(dsp::features_normalize(nullptr, g_norm, 2, z) == dsp::DspStatus::kErrNullArgument);
}

TMF_TEST(DspFeatures, NormalizeIsOffsetThenScale) {
  const float features[3] = {1.0f, -2.0f, 10.0f};
  const float norm[6] = {0.5f, -1.0f, 4.0f, 2.0f, 0.25f, -1.0f};
  float z[3];
  TMF_ASSERT(dsp::features_normalize(features, norm, 3, z) == dsp::DspStatus::kOk);
  TMF_EXPECT(z[0] == 1.0f && z[1] == -0.25f && z[2] == -6.0f);
}

// ----- the op -----

struct OpVariant {
  dsp::FeaturesConfig config;
  float output_scale = 0.05f;
  int32_t output_zero_point = -3;
  uint32_t scratch_bytes = 0;     // 0: exactly dsp_features_scratch_bytes
  int32_t output_features = -1;   // -1: the config's count
  uint32_t window_elements = 0;   // 0: N
  uint32_t norm_elements = 0;     // 0: 2F
  bool twiddle_in_arena = false;
  bool int8_samples = false;
  bool params_scale_mismatch = false;
  bool short_params = false;
  bool three_inputs = false;
};

Status build_op(OpTest& t, const OpVariant& v) {
  const uint32_t n = v.config.n_fft;
  const uint32_t f = v.output_features >= 0 ? static_cast<uint32_t>(v.output_features)
                                            : dsp::features_count(v.config);
  const uint16_t samples = v.int8_samples
                               ? t.input(kTensorTypeInt8, Shape{2, {1, static_cast<int32_t>(n)}}, 1.0f, 0)
                               : t.input(kTensorTypeFloat32, Shape{2, {1, static_cast<int32_t>(n)}});
  const uint16_t twiddle =
      v.twiddle_in_arena ? t.input(kTensorTypeFloat32, Shape{2, {static_cast<int32_t>(n / 2), 2}})
                         : t.constant(kTensorTypeFloat32, Shape{2, {static_cast<int32_t>(n / 2), 2}}, g_twiddle);
  const uint32_t wn = v.window_elements ? v.window_elements : n;
  const uint16_t window = t.constant(kTensorTypeFloat32, Shape{1, {static_cast<int32_t>(wn)}}, g_window);
  const uint32_t nn = v.norm_elements ? v.norm_elements : 2 * dsp::features_count(v.config);
  const uint16_t norm = t.constant(kTensorTypeFloat32, Shape{2, {2, static_cast<int32_t>(nn / 2)}}, g_norm);
  const uint16_t out = t.output(kTensorTypeInt8, Shape{2, {1, static_cast<int32_t>(f)}}, v.output_scale,
                                v.output_zero_point);
  DspFeaturesParams p{};
  p.features = v.config;
  p.output_scale = v.params_scale_mismatch ? v.output_scale * 2.0f : v.output_scale;
  p.output_zero_point = v.output_zero_point;
  const uint16_t inputs[4] = {samples, twiddle, window, norm};
  t.op_raw(kOpDspFeatures, &p, v.short_params ? sizeof(p) - 4 : sizeof(p), inputs,
           v.three_inputs ? 3 : 4, &out, 1);
  t.scratch(v.scratch_bytes ? v.scratch_bytes
                            : dsp_features_scratch_bytes(n, dsp::features_count(v.config)));
  return t.build();
}

// Normalization that spreads the features over the int8 range: offsets near the oracle values.
void make_norm(const dsp::FeaturesConfig& c, const double* expected) {
  const uint32_t count = dsp::features_count(c);
  for (uint32_t f = 0; f < count; ++f) {
    g_norm[f] = static_cast<float>(expected[f] - 0.7 + 0.13 * f);
    g_norm[count + f] = 1.5f + 0.25f * static_cast<float>(f % 3);
  }
}

TMF_TEST(DspFeaturesOp, MatchesDoubleOracleOutsideTies) {
  const uint32_t n = 256;
  make_tables(n);
  make_samples(n, 11);
  OpVariant v;
  v.config = config_10hz_bins(n, 11, dsp::kFeatureStatAll);
  const uint32_t count = dsp::features_count(v.config);
  double expected[kMaxF];
  oracle_features(v.config, expected);
  make_norm(v.config, expected);
  OpTest t;
  TMF_ASSERT(build_op(t, v) == Status::kOk);
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* y = t.output_as<int8_t>(0);
  uint32_t exact = 0;
  for (uint32_t f = 0; f < count; ++f) {
    const double z = (expected[f] - static_cast<double>(g_norm[f])) * g_norm[count + f];
    const double steps = z / v.output_scale;
    const double r = steps < 0 ? -floor(-steps + 0.5) : floor(steps + 0.5);
    const double q = r + v.output_zero_point;
    const int32_t want = q < -128 ? -128 : (q > 127 ? 127 : static_cast<int32_t>(q));
    if (fabs(fabs(steps - floor(steps)) - 0.5) < 1e-3) {
      TMF_EXPECT(y[f] == want || y[f] == want - 1 || y[f] == want + 1);
    } else {
      TMF_EXPECT_EQ(y[f], want);
      ++exact;
    }
  }
  TMF_EXPECT(exact >= count - 1);
}

TMF_TEST(DspFeaturesOp, EqualsTheDspFunctionBitForBit) {
  // The bearing data's setting: 12 kHz, N = 1024, 32 bands over 0..6 kHz, all stats.
  const uint32_t n = 1024;
  make_tables(n);
  make_samples(n, 5);
  OpVariant v;
  v.config.n_fft = n;
  v.config.sample_rate = 12000.0f;
  v.config.f_lo = 0.0f;
  v.config.f_hi = 6000.0f;
  v.config.num_bands = 32;
  v.config.power_scale = 4.0f / (dsp::window_sum(g_window, n) * dsp::window_sum(g_window, n));
  v.config.log_floor = 1e-10f;
  v.config.stats_mask = dsp::kFeatureStatAll;
  const uint32_t count = dsp::features_count(v.config);
  TMF_ASSERT(dsp::features_compute(v.config, g_twiddle, g_window, g_samples, g_work, g_features) ==
             dsp::DspStatus::kOk);
  for (uint32_t f = 0; f < count; ++f) {
    g_norm[f] = g_features[f] + 0.37f * static_cast<float>(static_cast<int32_t>(f % 7) - 3);
    g_norm[count + f] = 2.0f;
  }
  float z[kMaxF];
  TMF_ASSERT(dsp::features_normalize(g_features, g_norm, count, z) == dsp::DspStatus::kOk);
  OpTest t;
  TMF_ASSERT(build_op(t, v) == Status::kOk);
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  const int8_t* y = t.output_as<int8_t>(0);
  for (uint32_t f = 0; f < count; ++f) {
    const float r = roundf(z[f] / v.output_scale);
    int32_t q = static_cast<int32_t>(r) + v.output_zero_point;
    q = q < -128 ? -128 : (q > 127 ? 127 : q);
    TMF_EXPECT_EQ(y[f], q);
  }
  // Running again on the same input gives the same bytes (no state left in scratch).
  int8_t first[kMaxF];
  memcpy(first, y, count);
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_BYTES_EQ(t.output_as<int8_t>(0), first, count);
}

TMF_TEST(DspFeaturesOp, SaturatesAndMapsNanToTheZeroPoint) {
  const uint32_t n = 64;
  make_tables(n);
  make_samples(n, 2);
  OpVariant v;
  v.config = config_10hz_bins(n, 2, dsp::kFeatureStatCrest);
  g_norm[0] = -1000.0f;  // band 0: (ln e + 1000) * 1e30 far above the range: 127
  g_norm[1] = 1000.0f;   // band 1: (ln e - 1000) * 1e38 = -inf: -128
  g_norm[2] = 0.0f;
  g_norm[3] = 1e30f;
  g_norm[4] = 1e38f;
  g_norm[5] = 1.0f;
  OpTest t;
  TMF_ASSERT(build_op(t, v) == Status::kOk);
  g_samples[5] = NAN;  // every feature NaN: crest is NaN -> zero point
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_EQ(t.output_as<int8_t>(0)[2], v.output_zero_point);
  make_samples(n, 2);
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_EXPECT_EQ(t.output_as<int8_t>(0)[0], 127);
  TMF_EXPECT_EQ(t.output_as<int8_t>(0)[1], -128);
}

TMF_TEST(DspFeaturesOp, LargestLengthRuns) {
  const uint32_t n = 4096;
  make_tables(n);
  make_samples(n, 9);
  OpVariant v;
  v.config = config_10hz_bins(n, 40, dsp::kFeatureStatLogRms);
  for (uint32_t f = 0; f < 41; ++f) g_norm[f] = 0.0f, g_norm[41 + f] = 1.0f;
  OpTest t;
  TMF_ASSERT(build_op(t, v) == Status::kOk);
  t.set_input(0, g_samples, n * sizeof(float));
  TMF_ASSERT(t.invoke() == Status::kOk);
  TMF_ASSERT(dsp::features_compute(v.config, g_twiddle, g_window, g_samples, g_work, g_features) ==
             dsp::DspStatus::kOk);
  for (uint32_t f = 0; f < 41; ++f) {
    const float r = roundf(g_features[f] / v.output_scale);
    int32_t q = static_cast<int32_t>(r) + v.output_zero_point;
    q = q < -128 ? -128 : (q > 127 ? 127 : q);
    TMF_EXPECT_EQ(t.output_as<int8_t>(0)[f], q);
  }
}

// Validation: one broken rule per build.
OpVariant valid_variant() {
  make_tables(64);
  OpVariant v;
  v.config = config_10hz_bins(64, 2, dsp::kFeatureStatKurtosis);
  return v;
}

TMF_TEST(DspFeaturesOp, ValidVariantBuilds) {
  OpTest t;
  TMF_EXPECT(build_op(t, valid_variant()) == Status::kOk);
}

TMF_TEST(DspFeaturesOp, RejectsBadLength) {
  OpVariant v = valid_variant();
  v.config.n_fft = 32;
  v.config.sample_rate = 320.0f;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsBandAboveNyquist) {
  OpVariant v = valid_variant();
  v.config.f_hi = 0.5f * v.config.sample_rate + 10.0f;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsUnknownStatBits) {
  OpVariant v = valid_variant();
  v.config.stats_mask |= 1u << 7;
  v.output_features = 3;
  v.norm_elements = 6;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsZeroLogFloor) {
  OpVariant v = valid_variant();
  v.config.log_floor = 0.0f;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsOutputQuantizationMismatch) {
  OpVariant v = valid_variant();
  v.params_scale_mismatch = true;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsWrongParamsSize) {
  OpVariant v = valid_variant();
  v.short_params = true;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadParams);
}

TMF_TEST(DspFeaturesOp, RejectsTwiddlesInTheArena) {
  OpVariant v = valid_variant();
  v.twiddle_in_arena = true;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrTypeMismatch);
}

TMF_TEST(DspFeaturesOp, RejectsInt8Samples) {
  OpVariant v = valid_variant();
  v.int8_samples = true;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrTypeMismatch);
}

TMF_TEST(DspFeaturesOp, RejectsShortWindow) {
  OpVariant v = valid_variant();
  v.window_elements = 63;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrShapeMismatch);
}

TMF_TEST(DspFeaturesOp, RejectsWrongNormalizationSize) {
  OpVariant v = valid_variant();
  v.norm_elements = 8;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrShapeMismatch);
}

TMF_TEST(DspFeaturesOp, RejectsWrongFeatureCount) {
  OpVariant v = valid_variant();
  v.output_features = 4;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrShapeMismatch);
}

TMF_TEST(DspFeaturesOp, RejectsTooLittleScratch) {
  OpVariant v = valid_variant();
  v.scratch_bytes = dsp_features_scratch_bytes(64, 3) - 16;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadScratch);
}

TMF_TEST(DspFeaturesOp, RejectsMissingInput) {
  OpVariant v = valid_variant();
  v.three_inputs = true;
  OpTest t;
  TMF_EXPECT(build_op(t, v) == Status::kErrBadOperandCount);
}

}  // namespace
}  // namespace tmf
