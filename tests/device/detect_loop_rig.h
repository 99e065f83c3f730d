// The detection-loop test rig that detect_loop_test.cc and detect_loop_spectral_kurtosis_test.cc
// share: the pipeline model built here, healthy and fault windows with their raw features, the
// loop configuration, and one definition of the buffers both files use (inline, as in one file).
#pragma once

#include <math.h>
#include <string.h>

#include "device/detect/detect_loop.h"
#include "device/dsp/features.h"
#include "device/dsp/fft.h"
#include "device/dsp/window.h"
#include "device/runtime/kernels/decision_threshold.h"
#include "device/runtime/kernels/dsp_features.h"
#include "device/runtime/kernels/scratch.h"
#include "device/runtime/kernels/score_kmeans.h"
#include "device/runtime/model_builder.h"

namespace tmf::detect::loop_rig {

constexpr uint32_t kN = 256;
constexpr uint32_t kBands = 8;
constexpr uint32_t kF = kBands + 2;  // + ln RMS, kurtosis
constexpr uint32_t kMaxDetectors = 3;
constexpr float kFeatureScale = 0.1f;
constexpr uint32_t kWindows = 60;

const ModelBuilderCapacity kCapacity = {16, 8, 32, 1024, 4096, 0, 0};
alignas(16) inline uint8_t g_workspace[16384];
alignas(16) inline uint8_t g_file[16384];
alignas(16) inline uint8_t g_arena[8192];
alignas(8) inline uint8_t g_loop_memory[4096];
alignas(8) inline uint8_t g_spare_memory[4096];
alignas(16) inline float g_twiddle[kN];
inline float g_window[kN];
inline float g_zero_centroid[kF];
inline float g_samples[kWindows][kN];
inline float g_features[kWindows][kF];
inline float g_work[kN + 2];
inline Model g_model;
inline Interpreter g_interpreter;

inline dsp::FeaturesConfig features_config() {
  dsp::FeaturesConfig c{};
  c.n_fft = kN;
  c.sample_rate = 25600.0f;
  c.f_lo = 0.0f;
  c.f_hi = 12800.0f;
  c.num_bands = kBands;
  c.power_scale = 4.0f / (dsp::window_sum(g_window, kN) * dsp::window_sum(g_window, kN));
  c.log_floor = 1e-10f;
  c.stats_mask = dsp::kFeatureStatLogRms | dsp::kFeatureStatKurtosis;
  return c;
}

inline TensorRecord record(TensorType type, uint8_t rank, int32_t d0, int32_t d1, uint8_t storage,
                    uint32_t offset, float scale = 0.0f) {
  TensorRecord t;
  memset(&t, 0, sizeof(t));
  t.type = type;
  t.rank = rank;
  t.dims[0] = d0;
  t.dims[1] = rank > 1 ? d1 : 1;
  t.dims[2] = t.dims[3] = 1;
  t.storage = storage;
  t.offset = offset;
  t.quant = scale > 0.0f ? kTensorQuantPerTensor : kTensorQuantNone;
  t.scale = scale;
  t.name = kTmfNoName;
  return t;
}

// Graph inputs: 0 samples, 1 normalization. Outputs: 0 raw features, 1..n decisions,
// n+1..2n scores. Detector i: squared distance of the int8 features from the origin > threshold[i].
inline Status build_model(uint32_t n, const float* thresholds) {
  dsp::FftPlan plan{};
  dsp::fft_plan_init(&plan, kN, g_twiddle, sizeof(g_twiddle));
  dsp::window_hann_periodic(g_window, kN);
  ModelBuilder b(kCapacity, g_workspace, sizeof(g_workspace));
  uint32_t arena = 0;
  const auto take = [&arena](uint32_t bytes) {
    const uint32_t at = arena;
    arena += (bytes + 15u) & ~15u;
    return at;
  };
  const uint16_t samples = b.add_tensor(record(kTensorTypeFloat32, 2, 1, kN, kTensorStorageArena, take(4 * kN)));
  const uint16_t norm = b.add_tensor(record(kTensorTypeFloat32, 2, 2, kF, kTensorStorageArena, take(8 * kF)));
  const uint16_t twiddle = b.add_tensor(record(kTensorTypeFloat32, 2, kN / 2, 2, kTensorStorageConstant,
                                               b.add_constant_data(g_twiddle, 4 * kN)));
  const uint16_t window = b.add_tensor(record(kTensorTypeFloat32, 1, kN, 1, kTensorStorageConstant,
                                              b.add_constant_data(g_window, 4 * kN)));
  const uint16_t features = b.add_tensor(record(kTensorTypeInt8, 2, 1, kF, kTensorStorageArena, take(kF), kFeatureScale));
  const uint16_t raw = b.add_tensor(record(kTensorTypeFloat32, 2, 1, kF, kTensorStorageArena, take(4 * kF)));
  const uint16_t centroid = b.add_tensor(record(kTensorTypeFloat32, 2, 1, kF, kTensorStorageConstant,
                                                b.add_constant_data(g_zero_centroid, 4 * kF)));
  DspFeaturesParams dp{};
  dp.features = features_config();
  dp.output_scale = kFeatureScale;
  dp.output_zero_point = 0;
  const uint16_t dsp_in[4] = {samples, twiddle, window, norm};
  const uint16_t dsp_out[2] = {features, raw};
  b.add_op(kOpDspFeatures, dsp_in, 4, dsp_out, 2, b.add_params(&dp, sizeof(dp)), sizeof(dp));
  uint16_t outputs[1 + 2 * kMaxDetectors];
  outputs[0] = raw;
  for (uint32_t i = 0; i < n; ++i) {
    const uint16_t score = b.add_tensor(record(kTensorTypeFloat32, 1, 1, 1, kTensorStorageArena, take(4)));
    const uint16_t decision = b.add_tensor(record(kTensorTypeInt8, 1, 1, 1, kTensorStorageArena, take(1)));
    const ScoreKMeansParams sp{kFeatureScale, 0};
    const uint16_t score_in[2] = {features, centroid};
    b.add_op(kOpScoreKMeans, score_in, 2, &score, 1, b.add_params(&sp, sizeof(sp)), sizeof(sp));
    const DecisionThresholdParams tp{thresholds[i]};
    b.add_op(kOpDecisionThreshold, &score, 1, &decision, 1, b.add_params(&tp, sizeof(tp)), sizeof(tp));
    outputs[1 + i] = decision;
    outputs[1 + n + i] = score;
  }
  const uint16_t inputs[2] = {samples, norm};
  b.set_graph_io(inputs, 2, outputs, static_cast<uint16_t>(1 + 2 * n));
  ModelBuilderHeader h{};
  h.model_id = 7;
  h.model_version = 1;
  h.scratch_offset = arena;
  h.scratch_bytes = dsp_features_scratch_bytes(kN, kF);
  h.arena_bytes = arena + h.scratch_bytes;
  const size_t bytes = b.finish(h, g_file, sizeof(g_file));
  if (bytes == 0 || h.arena_bytes > sizeof(g_arena)) return Status::kErrNullArgument;
  const Status s = model_validate(g_file, bytes, &g_model, nullptr);
  if (s != Status::kOk) return s;
  return interpreter_init(&g_interpreter, &g_model, g_arena, sizeof(g_arena));
}

inline uint32_t g_rng = 1;
inline float next_uniform() {  // [-1, 1)
  g_rng = g_rng * 1664525u + 1013904223u;
  return static_cast<float>(g_rng >> 8) / 8388608.0f - 1.0f;
}

// Windows 40..49 carry the fault; every window's raw features are kept for the oracles.
inline void make_windows() {
  constexpr double kPi = 3.14159265358979323846;
  g_rng = 99;
  for (uint32_t w = 0; w < kWindows; ++w) {
    const double phase = 3.0 * next_uniform();
    const bool fault = w >= 40 && w < 50;
    for (uint32_t t = 0; t < kN; ++t) {
      double x = 0.3 * next_uniform() + sin(2.0 * kPi * 20.0 * t / kN + phase);
      if (fault) x += 10.0 * sin(2.0 * kPi * 50.0 * t / kN + 0.5 * phase);
      g_samples[w][t] = static_cast<float>(x);
    }
    dsp::features_compute(features_config(), g_twiddle, g_window, g_samples[w], g_work, g_features[w]);
  }
}

inline DetectLoopConfig loop_config(uint32_t n, uint32_t k) {
  DetectLoopConfig c{};
  c.samples_input = 0;
  c.normalization_input = 1;
  c.raw_features_output = 0;
  c.detector_count = n;
  for (uint32_t i = 0; i < n; ++i) c.decision_outputs[i] = 1 + i;
  c.vote_k = k;
  c.persistence = {4, 3, 2};
  c.baseline = {kF, 30, 30, 2, 1e-6f};
  c.sketch_bins = 16;
  c.sketch_sigmas = 4.0f;
  return c;
}

const float kThresholds[3] = {40.0f, 80.0f, 1e30f};  // the third detector never fires

struct Timeline {
  DetectWindowResult results[kWindows];
};
inline Timeline g_first, g_second;

// Runs windows [from, to) and records every result.
inline bool run(DetectLoop* loop, uint32_t from, uint32_t to, Timeline* out) {
  for (uint32_t w = from; w < to; ++w) {
    if (detect_loop_step(loop, g_samples[w], &out->results[w]) != DetectStatus::kOk) return false;
  }
  return true;
}

}  // namespace tmf::detect::loop_rig
