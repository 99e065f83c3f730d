// A feature sketch in host memory (OwnedSketch) and its byte layout in the store: batches from
// TELEMETRY and the training reference are kept as blobs and rebuilt as detect::FeatureSketch, so
// the host merges and compares them with the device's own code (sketch_merge, compare_sketches).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "device/detect/sketch.h"

namespace tmf {
struct OtaTelemetry;
}

namespace tmf::monitor {

// A detect::FeatureSketch owning its memory. Copies are deep (the sketch's pointers always point
// into this object's own memory).
class OwnedSketch {
 public:
  // F features, B bins, every range [0, 1); std::invalid_argument for a bad shape.
  OwnedSketch(uint32_t feature_count, uint32_t bins);
  OwnedSketch(const OwnedSketch& other);
  OwnedSketch& operator=(const OwnedSketch& other);

  detect::FeatureSketch& get() { return sketch_; }
  const detect::FeatureSketch& get() const { return sketch_; }
  uint32_t feature_count() const { return sketch_.config.feature_count; }
  uint32_t bins() const { return sketch_.config.bins; }
  uint32_t windows() const { return sketch_.stats.count; }

 private:
  std::vector<uint64_t> memory_;  // 8-byte aligned, sketch_bytes() long
  detect::FeatureSketch sketch_{};
};

// Blob layout (little-endian, the host's order): u32 F, u32 B, u32 count, u32 rejected,
// f32 lo[F], f32 hi[F], f64 mean[F], f64 m2[F], u32 histogram[F*B] (feature-major).
std::vector<uint8_t> encode_sketch(const detect::FeatureSketch& sketch);
// std::invalid_argument naming what is wrong (size, shape, a range) for a malformed blob.
OwnedSketch decode_sketch(const uint8_t* data, size_t size);
inline OwnedSketch decode_sketch(const std::vector<uint8_t>& blob) { return decode_sketch(blob.data(), blob.size()); }

// The sketch a decoded TELEMETRY batch carries (feature_count > 0): its ranges, counts (u16 on
// the wire), count and the f32 mean/m2 widened to double. std::invalid_argument if it has none
// or a range is not lo < hi (finite).
OwnedSketch sketch_from_telemetry(const OtaTelemetry& telemetry);

}  // namespace tmf::monitor
