// The detection settings a pipeline model file carries for the device (metadata TLV 0x101,
// docs/format.md): which graph inputs/outputs the detection loop uses, k-of-n voting,
// m-of-w persistence, commissioning length and the fixed sketch ranges for drift telemetry.
// Signed with the model, so one artifact carries DSP, detectors, thresholds and these settings.
// The host writes it (model_config_encode), the device reads it (model_config_find). Freestanding.
//
//   TLV 0x101, little-endian:
//    0 u32 version (1)            4 u32 samples_input         8 i32 normalization_input (-1: none)
//   12 u32 raw_features_output   16 u32 score_output         20 u32 detector_count n (1..4)
//   24 u32 decision_outputs[4]   40 u32 vote_k               44 u32 persist_m
//   48 u32 persist_w             52 u32 persist_clear_below  56 u32 baseline_windows
//   60 u32 sketch_bins B (0..32) 64 u32 feature_count F (1..64)
//   68 f32 sketch_lo[F], then f32 sketch_hi[F]                       total 68 + 8F bytes
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "device/detect/detect_loop.h"
#include "device/runtime/model.h"

namespace tmf::detect {

constexpr uint16_t kModelConfigTag = 0x101;
constexpr uint32_t kModelConfigVersion = 1;
constexpr uint32_t kModelConfigFixedBytes = 68;
constexpr uint32_t kModelConfigMaxDetectors = 4;
constexpr uint32_t kModelConfigMaxFeatures = 64;
constexpr uint32_t kModelConfigMaxBins = 32;

struct ModelConfig {
  uint32_t samples_input;
  int32_t normalization_input;  // kDetectNoInput: the model's constant normalization
  uint32_t raw_features_output;
  uint32_t score_output;        // float32, one element: the score telemetry reports
  uint32_t detector_count;
  uint32_t decision_outputs[kModelConfigMaxDetectors];
  uint32_t vote_k;
  uint32_t persist_m, persist_w, persist_clear_below;
  uint32_t baseline_windows;    // commissioning: windows learned before monitoring starts (>= 2)
  uint32_t sketch_bins;         // 0: no sketch
  uint32_t feature_count;
  float sketch_lo[kModelConfigMaxFeatures];
  float sketch_hi[kModelConfigMaxFeatures];
};

// Bytes of the TLV value for F features.
inline uint32_t model_config_bytes(uint32_t feature_count) { return kModelConfigFixedBytes + 8 * feature_count; }

// Writes the TLV value (not the TLV header); returns the bytes written, 0 if `out_bytes` is too
// small or a field is out of range.
size_t model_config_encode(const ModelConfig& config, uint8_t* out, size_t out_bytes);
// Decodes and checks ranges (counts, k <= n, m <= w, clear_below <= m, finite lo < hi).
// Errors: kErrNullArgument, kErrBadConfig.
DetectStatus model_config_decode(const uint8_t* value, uint32_t bytes, ModelConfig* config);
// Finds and decodes TLV 0x101 in a validated model. kErrBadConfig if absent or malformed.
DetectStatus model_config_find(const Model& model, ModelConfig* config);
// The DetectLoopConfig for this model config (baseline: target = max = baseline_windows,
// min = baseline_windows / 2 rounded up to >= 2, variance floor 1e-6). With sketch bins the
// ranges are copied into `ranges` (caller memory for [2][F] floats: lows, then highs) and
// sketch_ranges points there, so `ranges` must outlive the call to detect_loop_init (which
// copies them); with `ranges` null the loop gets no sketch (sketch_bins 0).
DetectLoopConfig model_config_loop_config(const ModelConfig& config, float* ranges);

}  // namespace tmf::detect
