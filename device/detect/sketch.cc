// Feature sketches (contract in sketch.h).
#include "device/detect/sketch.h"

#include <string.h>

#include "device/detect/detect_memory.h"

namespace tmf::detect {
namespace {

bool config_valid(const SketchConfig& c) {
  return c.feature_count >= 1 && c.feature_count <= kDetectMaxFeatures && c.bins >= 1 &&
         c.bins <= kSketchMaxBins;
}

bool finite(float v) { return v == v && v - v == 0.0f; }

}  // namespace

uint32_t sketch_bytes(const SketchConfig& config) {
  if (!config_valid(config)) return 0;
  const uint32_t f = config.feature_count;
  return running_stats_bytes(f) + 2u * align8(4u * f) + align8(4u * f * config.bins);
}

DetectStatus sketch_init(FeatureSketch* sketch, const SketchConfig& config, void* memory,
                         uint32_t bytes) {
  if (sketch == nullptr) return DetectStatus::kErrNullArgument;
  if (!config_valid(config)) return DetectStatus::kErrBadConfig;
  const DetectStatus s = check_memory(memory, bytes, sketch_bytes(config));
  if (s != DetectStatus::kOk) return s;
  const uint32_t f = config.feature_count;
  MemoryCarver carve(memory);
  void* stats_memory = carve.take<double>(2u * f);
  running_stats_init(&sketch->stats, f, stats_memory, running_stats_bytes(f));
  sketch->config = config;
  sketch->lo = carve.take<float>(f);
  sketch->hi = carve.take<float>(f);
  sketch->histogram = carve.take<uint32_t>(f * config.bins);
  for (uint32_t i = 0; i < f; ++i) sketch->lo[i] = 0.0f, sketch->hi[i] = 1.0f;
  sketch_reset(sketch);
  return DetectStatus::kOk;
}

DetectStatus sketch_set_ranges(FeatureSketch* sketch, const float* lo, const float* hi) {
  if (sketch == nullptr || lo == nullptr) return DetectStatus::kErrNullArgument;
  const uint32_t f = sketch->config.feature_count;
  const float* highs = hi != nullptr ? hi : lo + f;
  for (uint32_t i = 0; i < f; ++i) {
    if (!finite(lo[i]) || !finite(highs[i]) || !(lo[i] < highs[i]) || !finite(highs[i] - lo[i])) {
      return DetectStatus::kErrBadConfig;
    }
  }
  for (uint32_t i = 0; i < f; ++i) sketch->lo[i] = lo[i], sketch->hi[i] = highs[i];
  sketch_reset(sketch);
  return DetectStatus::kOk;
}

void sketch_reset(FeatureSketch* sketch) {
  running_stats_reset(&sketch->stats);
  const uint32_t cells = sketch->config.feature_count * sketch->config.bins;
  for (uint32_t i = 0; i < cells; ++i) sketch->histogram[i] = 0;
  sketch->rejected = 0;
}

uint32_t sketch_bin(float x, float lo, float hi, uint32_t bins) {
  const float pos = (x - lo) * (static_cast<float>(bins) / (hi - lo));
  if (!(pos >= 0.0f)) return 0;  // below the range, or NaN
  if (pos >= static_cast<float>(bins)) return bins - 1;
  const uint32_t bin = static_cast<uint32_t>(pos);
  return bin < bins ? bin : bins - 1;
}

bool sketch_add(FeatureSketch* sketch, const float* values) {
  const uint32_t f = sketch->config.feature_count;
  if (!values_finite(values, f)) {
    ++sketch->rejected;
    return false;
  }
  running_stats_add(&sketch->stats, values);
  const uint32_t bins = sketch->config.bins;
  for (uint32_t i = 0; i < f; ++i) {
    ++sketch->histogram[i * bins + sketch_bin(values[i], sketch->lo[i], sketch->hi[i], bins)];
  }
  return true;
}

DetectStatus sketch_merge(FeatureSketch* into, const FeatureSketch& other) {
  if (into == nullptr) return DetectStatus::kErrNullArgument;
  const uint32_t f = into->config.feature_count;
  if (other.config.feature_count != f || other.config.bins != into->config.bins ||
      memcmp(other.lo, into->lo, 4u * f) != 0 || memcmp(other.hi, into->hi, 4u * f) != 0) {
    return DetectStatus::kErrMismatch;
  }
  const DetectStatus s = running_stats_merge(&into->stats, other.stats);
  if (s != DetectStatus::kOk) return s;
  const uint32_t cells = f * into->config.bins;
  for (uint32_t i = 0; i < cells; ++i) into->histogram[i] += other.histogram[i];
  into->rejected += other.rejected;
  return DetectStatus::kOk;
}

}  // namespace tmf::detect
