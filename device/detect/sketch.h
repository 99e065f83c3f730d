// Feature sketches for drift telemetry (issue 6 item 1): per feature, the running mean and
// variance (running_stats.h) and a fixed-bin histogram over a range [lo, hi). A device sketches a
// batch of windows, reports it and resets; the host merges batches and devices (sketch_merge, the
// same code) and compares them with the training reference (PSI, Jensen-Shannon). docs/detect.md.
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"
#include "device/detect/running_stats.h"

namespace tmf::detect {

constexpr uint32_t kSketchMaxBins = 64;

struct SketchConfig {
  uint32_t feature_count;  // F: 1..kDetectMaxFeatures
  uint32_t bins;           // B: 1..kSketchMaxBins
};

struct FeatureSketch {
  SketchConfig config;
  RunningStats stats;   // over the accepted windows
  float* lo;            // [F] lower edge of bin 0
  float* hi;            // [F] upper edge of bin B-1
  uint32_t* histogram;  // [F][B]: histogram[f * B + b]
  uint32_t rejected;    // windows with a non-finite value (not added anywhere)
};

// Bytes of caller memory: 16 F (stats) + 2 * align8(4 F) (ranges) + align8(4 F B) (histogram);
// 0 for a bad config. F = 32, B = 16: 2,816 bytes.
uint32_t sketch_bytes(const SketchConfig& config);

// Every range starts as [0, 1). Errors: kErrNullArgument, kErrBadConfig, kErrMisaligned,
// kErrMemoryTooSmall.
DetectStatus sketch_init(FeatureSketch* sketch, const SketchConfig& config, void* memory,
                         uint32_t bytes);

// Sets the range of every feature (lo[f] < hi[f], both finite, hi[f] - lo[f] finite) and resets
// the counts. hi may be null: then lo is [2][F] (lows, then highs), the DSP_FEATURES layout.
// Errors: kErrNullArgument, kErrBadConfig (nothing changed).
DetectStatus sketch_set_ranges(FeatureSketch* sketch, const float* lo, const float* hi);

// Clears counts, statistics and `rejected`; keeps the ranges.
void sketch_reset(FeatureSketch* sketch);

// The bin of value x for a range: pos = (x - lo) * (float(B) / (hi - lo)) in float;
// bin = 0 if pos < 0 (or NaN), B - 1 if pos >= B, else floor(pos) (at most B - 1). Values below
// lo count in bin 0, values at or above hi in bin B - 1.
uint32_t sketch_bin(float x, float lo, float hi, uint32_t bins);

// Adds one window of F values; returns false (and counts it in `rejected`) if any is not finite.
bool sketch_add(FeatureSketch* sketch, const float* values);

// into += other: same F, B and bit-identical ranges (else kErrMismatch, nothing changed).
// Histograms and `rejected` add; statistics merge (running_stats_merge).
DetectStatus sketch_merge(FeatureSketch* into, const FeatureSketch& other);

}  // namespace tmf::detect
