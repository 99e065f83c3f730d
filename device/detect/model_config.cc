// The detection settings TLV 0x101 of a pipeline model (contract and layout in model_config.h).
// Read and written byte by byte in little-endian order: the TLV value sits at any alignment.
#include "device/detect/model_config.h"

#include "device/runtime/le_bytes.h"

#include <string.h>

namespace tmf::detect {
namespace {

using le::get_f32;
using le::get_u32;
using le::put_f32;
using le::put_u32;

bool finite(float v) { return v == v && v - v == 0.0f; }

// The ranges every user of the config relies on (the model interface itself is checked by
// detect_loop_init against the interpreter).
bool config_valid(const ModelConfig& c) {
  if (c.normalization_input < kDetectNoInput) return false;
  if (c.detector_count < 1 || c.detector_count > kModelConfigMaxDetectors) return false;
  if (c.vote_k < 1 || c.vote_k > c.detector_count) return false;
  if (c.persist_w < 1 || c.persist_w > 64 || c.persist_m < 1 || c.persist_m > c.persist_w ||
      c.persist_clear_below < 1 || c.persist_clear_below > c.persist_m) {
    return false;
  }
  if (c.baseline_windows < 2) return false;
  if (c.sketch_bins > kModelConfigMaxBins) return false;
  if (c.feature_count < 1 || c.feature_count > kModelConfigMaxFeatures) return false;
  for (uint32_t i = 0; i < c.feature_count; ++i) {
    const float lo = c.sketch_lo[i], hi = c.sketch_hi[i];
    if (!finite(lo) || !finite(hi) || !(lo < hi) || !finite(hi - lo)) return false;
  }
  return true;
}

}  // namespace

size_t model_config_encode(const ModelConfig& c, uint8_t* out, size_t out_bytes) {
  if (!config_valid(c) || out == nullptr) return 0;
  const uint32_t total = model_config_bytes(c.feature_count);
  if (out_bytes < total) return 0;
  put_u32(out + 0, kModelConfigVersion);
  put_u32(out + 4, c.samples_input);
  put_u32(out + 8, static_cast<uint32_t>(c.normalization_input));
  put_u32(out + 12, c.raw_features_output);
  put_u32(out + 16, c.score_output);
  put_u32(out + 20, c.detector_count);
  for (uint32_t i = 0; i < kModelConfigMaxDetectors; ++i) {
    put_u32(out + 24 + 4 * i, i < c.detector_count ? c.decision_outputs[i] : 0);
  }
  put_u32(out + 40, c.vote_k);
  put_u32(out + 44, c.persist_m);
  put_u32(out + 48, c.persist_w);
  put_u32(out + 52, c.persist_clear_below);
  put_u32(out + 56, c.baseline_windows);
  put_u32(out + 60, c.sketch_bins);
  put_u32(out + 64, c.feature_count);
  for (uint32_t i = 0; i < c.feature_count; ++i) {
    put_f32(out + kModelConfigFixedBytes + 4 * i, c.sketch_lo[i]);
    put_f32(out + kModelConfigFixedBytes + 4 * (c.feature_count + i), c.sketch_hi[i]);
  }
  return total;
}

DetectStatus model_config_decode(const uint8_t* value, uint32_t bytes, ModelConfig* c) {
  if (value == nullptr || c == nullptr) return DetectStatus::kErrNullArgument;
  if (bytes < kModelConfigFixedBytes || get_u32(value) != kModelConfigVersion) {
    return DetectStatus::kErrBadConfig;
  }
  memset(c, 0, sizeof(*c));
  c->samples_input = get_u32(value + 4);
  c->normalization_input = static_cast<int32_t>(get_u32(value + 8));
  c->raw_features_output = get_u32(value + 12);
  c->score_output = get_u32(value + 16);
  c->detector_count = get_u32(value + 20);
  for (uint32_t i = 0; i < kModelConfigMaxDetectors; ++i) c->decision_outputs[i] = get_u32(value + 24 + 4 * i);
  c->vote_k = get_u32(value + 40);
  c->persist_m = get_u32(value + 44);
  c->persist_w = get_u32(value + 48);
  c->persist_clear_below = get_u32(value + 52);
  c->baseline_windows = get_u32(value + 56);
  c->sketch_bins = get_u32(value + 60);
  c->feature_count = get_u32(value + 64);
  // F is checked before it sizes anything; bytes after the ranges are ignored (later minors).
  if (c->feature_count < 1 || c->feature_count > kModelConfigMaxFeatures ||
      bytes < model_config_bytes(c->feature_count)) {
    return DetectStatus::kErrBadConfig;
  }
  for (uint32_t i = 0; i < c->feature_count; ++i) {
    c->sketch_lo[i] = get_f32(value + kModelConfigFixedBytes + 4 * i);
    c->sketch_hi[i] = get_f32(value + kModelConfigFixedBytes + 4 * (c->feature_count + i));
  }
  return config_valid(*c) ? DetectStatus::kOk : DetectStatus::kErrBadConfig;
}

DetectStatus model_config_find(const Model& model, ModelConfig* config) {
  if (config == nullptr) return DetectStatus::kErrNullArgument;
  uint32_t length = 0;
  const uint8_t* value = model_find_metadata(model, kModelConfigTag, &length);
  if (value == nullptr) return DetectStatus::kErrBadConfig;
  return model_config_decode(value, length, config);
}

DetectLoopConfig model_config_loop_config(const ModelConfig& c, float* ranges) {
  DetectLoopConfig loop{};
  loop.samples_input = c.samples_input;
  loop.normalization_input = c.normalization_input;
  loop.raw_features_output = c.raw_features_output;
  loop.detector_count = c.detector_count;
  for (uint32_t i = 0; i < c.detector_count && i < kModelConfigMaxDetectors; ++i) {
    loop.decision_outputs[i] = c.decision_outputs[i];
  }
  loop.vote_k = c.vote_k;
  loop.persistence = PersistenceConfig{c.persist_w, c.persist_m, c.persist_clear_below};
  const uint32_t half = (c.baseline_windows + 1) / 2;
  loop.baseline = BaselineConfig{c.feature_count, c.baseline_windows, c.baseline_windows,
                                 half < 2 ? 2u : half, 1e-6f};
  loop.sketch_bins = c.sketch_bins;
  loop.sketch_sigmas = 0.0f;  // unused: the model fixes the ranges
  loop.sketch_ranges = nullptr;
  if (ranges == nullptr) loop.sketch_bins = 0;  // nowhere to put the ranges: no sketch
  if (loop.sketch_bins > 0) {
    const uint32_t f = c.feature_count <= kModelConfigMaxFeatures ? c.feature_count : kModelConfigMaxFeatures;
    for (uint32_t i = 0; i < f; ++i) ranges[i] = c.sketch_lo[i], ranges[f + i] = c.sketch_hi[i];
    loop.sketch_ranges = ranges;
  }
  return loop;
}

}  // namespace tmf::detect
