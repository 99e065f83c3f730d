// DSP_FEATURES extensions for on-device baselines (docs/format.md "Pipeline ops"): the optional
// raw-feature output 1 and the normalization as an arena tensor (a graph input).
// Oracles: output 1 must equal dsp::features_compute of the same window bit for bit; the arena
// normalization path must give the same bytes as the constant path for the same values (the
// constant path is tested against a double oracle in dsp_features_test.cc); validation rejects
// each broken rule.
#include <string.h>

#include "device/dsp/features.h"
#include "device/dsp/fft.h"
#include "device/dsp/window.h"
#include "device/runtime/kernels/dsp_features.h"
#include "device/runtime/kernels/scratch.h"
#include "tests/support/op_test.h"
#include "tests/support/tmf_test.h"

namespace tmf {
namespace {

constexpr uint32_t kN = 1024;
constexpr uint32_t kMaxF = 40;

alignas(16) float g_twiddle[kN];
float g_window[kN];
float g_samples[kN];
float g_work[kN + 2];
float g_features[kMaxF];
float g_norm[2 * kMaxF];

uint32_t g_rng = 1;
float next_uniform() {  // [-1, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<float>(g_rng >> 8) / 8388608.0f - 1.0f;
}

// The bearing data's setting: 12 kHz, N = 1024, 32 bands over 0..6 kHz, all stats (F = 37).
dsp::FeaturesConfig bearing_config(uint32_t n) {
  dsp::FeaturesConfig c{};
  c.n_fft = n;
  c.sample_rate = 12000.0f;
  c.f_lo = 0.0f;
  c.f_hi = 6000.0f;
  c.num_bands = n >= 1024 ? 32 : 8;
  c.power_scale = 4.0f / (dsp::window_sum(g_window, n) * dsp::window_sum(g_window, n));
  c.log_floor = 1e-10f;
  c.stats_mask = dsp::kFeatureStatAll;
  return c;
}

void make_tables(uint32_t n) {
  dsp::FftPlan plan{};
  dsp::fft_plan_init(&plan, n, g_twiddle, sizeof(g_twiddle));
  dsp::window_hann_periodic(g_window, n);
}

void make_samples(uint32_t n, uint32_t seed) {
  g_rng = seed;
  for (uint32_t t = 0; t < n; ++t) {
    g_samples[t] = 0.4f * next_uniform() + (t % 37 < 3 ? 1.5f : 0.0f) - 0.1f;
  }
}

void make_norm(uint32_t count, uint32_t seed) {
  g_rng = seed;
  for (uint32_t f = 0; f < count; ++f) {
    g_norm[f] = 3.0f * next_uniform();
    g_norm[count + f] = 0.5f + 1.5f * (next_uniform() + 1.0f);
  }
}

struct Variant {
  dsp::FeaturesConfig config;
  bool norm_in_arena = false;
  bool raw_output = false;
  TensorType norm_type = kTensorTypeFloat32;
  float norm_scale = 0.0f;         // > 0: a quantized normalization (rejected)
  uint32_t norm_elements = 0;      // 0: 2F
  TensorType raw_type = kTensorTypeFloat32;
  float raw_scale = 0.0f;          // > 0: a quantized raw output (rejected)
  uint32_t raw_elements = 0;       // 0: F
  bool third_output = false;
};

// Graph inputs: 0 samples, 1 normalization (when in the arena). Outputs: 0 int8 features,
// 1 raw features (when asked for).
Status build(OpTest& t, const Variant& v) {
  const uint32_t n = v.config.n_fft;
  const uint32_t f = dsp::features_count(v.config);
  const uint16_t samples = t.input(kTensorTypeFloat32, Shape{2, {1, static_cast<int32_t>(n)}});
  const uint16_t twiddle = t.constant(kTensorTypeFloat32, Shape{2, {static_cast<int32_t>(n / 2), 2}}, g_twiddle);
  const uint16_t window = t.constant(kTensorTypeFloat32, Shape{1, {static_cast<int32_t>(n)}}, g_window);
  const int32_t norm_cols = static_cast<int32_t>((v.norm_elements ? v.norm_elements : 2 * f) / 2);
  const uint16_t norm =
      v.norm_in_arena ? t.input(v.norm_type, Shape{2, {2, norm_cols}}, v.norm_scale, 0)
                      : t.constant(v.norm_type, Shape{2, {2, norm_cols}}, g_norm, v.norm_scale, 0);
  uint16_t outputs[3];
  outputs[0] = t.output(kTensorTypeInt8, Shape{2, {1, static_cast<int32_t>(f)}}, 0.05f, -3);
  uint8_t output_count = 1;
  if (v.raw_output) {
    const int32_t cols = static_cast<int32_t>(v.raw_elements ? v.raw_elements : f);
    outputs[output_count++] = t.output(v.raw_type, Shape{2, {1, cols}}, v.raw_scale, 0);
  }
  if (v.third_output) {
    outputs[output_count++] = t.output(kTensorTypeFloat32, Shape{2, {1, static_cast<int32_t>(f)}});
  }
  DspFeaturesParams p{};
  p.features = v.config;
  p.output_scale = 0.05f;
  p.output_zero_point = -3;
  const uint16_t inputs[4] = {samples, twiddle, window, norm};
  t.op(kOpDspFeatures, p, inputs, 4, outputs, output_count);
  t.scratch(dsp_features_scratch_bytes(n, f));
  return t.build();
}

// Runs a built op on g_samples (and g_norm when it is an input); copies output 0 to `features`
// and output 1 (if any) to `raw`.
bool run(OpTest& t, const Variant& v, int8_t* features, float* raw) {
  const uint32_t f = dsp::features_count(v.config);
  t.set_input(0, g_samples, v.config.n_fft * sizeof(float));
  if (v.norm_in_arena) t.set_input(1, g_norm, 2 * f * sizeof(float));
  if (t.invoke() != Status::kOk) return false;
  memcpy(features, t.output_as<int8_t>(0), f);
  if (v.raw_output) memcpy(raw, t.output_as<float>(1), f * sizeof(float));
  return true;
}

TMF_TEST(DspFeaturesExtensions, RawOutputIsFeaturesComputeBitForBit) {
  make_tables(kN);
  Variant v;
  v.config = bearing_config(kN);
  v.raw_output = true;
  const uint32_t f = dsp::features_count(v.config);
  TMF_ASSERT(f == 37);
  make_norm(f, 4);
  int8_t with_raw[kMaxF], without_raw[kMaxF];
  float raw[kMaxF];
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    make_samples(kN, seed);
    TMF_ASSERT(dsp::features_compute(v.config, g_twiddle, g_window, g_samples, g_work, g_features) ==
               dsp::DspStatus::kOk);
    {
      OpTest t;
      TMF_ASSERT(build(t, v) == Status::kOk);
      TMF_ASSERT(run(t, v, with_raw, raw));
    }
    TMF_EXPECT_BYTES_EQ(raw, g_features, f * sizeof(float));
    // Output 0 is unchanged by asking for output 1.
    Variant plain = v;
    plain.raw_output = false;
    OpTest t;
    TMF_ASSERT(build(t, plain) == Status::kOk);
    TMF_ASSERT(run(t, plain, without_raw, nullptr));
    TMF_EXPECT_BYTES_EQ(with_raw, without_raw, f);
  }
}

TMF_TEST(DspFeaturesExtensions, ArenaNormalizationEqualsConstant) {
  const uint32_t lengths[2] = {256, kN};
  int8_t from_constant[kMaxF], from_arena[kMaxF];
  float raw_constant[kMaxF], raw_arena[kMaxF];
  for (uint32_t n : lengths) {
    make_tables(n);
    Variant v;
    v.config = bearing_config(n);
    v.raw_output = true;
    const uint32_t f = dsp::features_count(v.config);
    for (uint32_t seed = 1; seed <= 3; ++seed) {
      make_samples(n, 10 + seed);
      make_norm(f, 20 + seed);
      {
        OpTest t;
        TMF_ASSERT(build(t, v) == Status::kOk);
        TMF_ASSERT(run(t, v, from_constant, raw_constant));
      }
      Variant arena = v;
      arena.norm_in_arena = true;
      OpTest t;
      TMF_ASSERT(build(t, arena) == Status::kOk);
      TMF_ASSERT(run(t, arena, from_arena, raw_arena));
      TMF_EXPECT_BYTES_EQ(from_arena, from_constant, f);
      TMF_EXPECT_BYTES_EQ(raw_arena, raw_constant, f * sizeof(float));
      // The written normalization is what counts: other values change the output, and writing
      // the first ones again restores it.
      for (uint32_t i = 0; i < f; ++i) g_norm[i] += 1.0f;
      int8_t shifted[kMaxF];
      TMF_ASSERT(run(t, arena, shifted, raw_arena));
      TMF_EXPECT(memcmp(shifted, from_constant, f) != 0);
      for (uint32_t i = 0; i < f; ++i) g_norm[i] -= 1.0f;
      TMF_ASSERT(run(t, arena, shifted, raw_arena));
      TMF_EXPECT_BYTES_EQ(shifted, from_constant, f);
    }
  }
}

Variant valid_variant() {
  make_tables(64);
  Variant v;
  v.config = bearing_config(64);
  v.config.num_bands = 4;
  v.config.stats_mask = dsp::kFeatureStatKurtosis;
  v.norm_in_arena = true;
  v.raw_output = true;
  return v;
}

TMF_TEST(DspFeaturesExtensions, ValidVariantBuilds) {
  OpTest t;
  TMF_EXPECT(build(t, valid_variant()) == Status::kOk);
}

TMF_TEST(DspFeaturesExtensions, RejectsIntegerRawOutput) {
  Variant v = valid_variant();
  v.raw_type = kTensorTypeInt8;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrTypeMismatch);
}

// A quantized float32 tensor never reaches the kernel: the tensor checks reject it first.
TMF_TEST(DspFeaturesExtensions, RejectsQuantizedRawOutput) {
  Variant v = valid_variant();
  v.raw_scale = 0.5f;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrBadQuantization);
}

TMF_TEST(DspFeaturesExtensions, RejectsRawOutputOfWrongSize) {
  Variant v = valid_variant();
  v.raw_elements = 6;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrShapeMismatch);
}

TMF_TEST(DspFeaturesExtensions, RejectsThreeOutputs) {
  Variant v = valid_variant();
  v.third_output = true;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrBadOperandCount);
}

TMF_TEST(DspFeaturesExtensions, RejectsArenaNormalizationOfWrongSize) {
  Variant v = valid_variant();
  v.norm_elements = 12;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrShapeMismatch);
}

TMF_TEST(DspFeaturesExtensions, RejectsIntegerArenaNormalization) {
  Variant v = valid_variant();
  v.norm_type = kTensorTypeInt8;
  v.norm_scale = 0.1f;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrTypeMismatch);
}

TMF_TEST(DspFeaturesExtensions, RejectsQuantizedFloatArenaNormalization) {
  Variant v = valid_variant();
  v.norm_scale = 0.1f;
  OpTest t;
  TMF_EXPECT(build(t, v) == Status::kErrBadQuantization);
}

}  // namespace
}  // namespace tmf
