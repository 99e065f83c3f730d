// OwnedSketch and the sketch blob layout (see sketch_blob.h).
#include "host/monitor/sketch_blob.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "device/agent/protocol.h"

namespace tmf::monitor {
namespace {

constexpr size_t kBlobHeaderBytes = 16;

size_t blob_bytes(uint32_t f, uint32_t b) { return kBlobHeaderBytes + 8ull * f + 16ull * f + 4ull * f * b; }

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

template <typename T>
T get(const uint8_t*& at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  at += sizeof(T);
  return value;
}

}  // namespace

OwnedSketch::OwnedSketch(uint32_t feature_count, uint32_t bins) {
  const detect::SketchConfig config{feature_count, bins};
  const uint32_t bytes = detect::sketch_bytes(config);
  if (bytes == 0) {
    throw std::invalid_argument("sketch shape " + std::to_string(feature_count) + " features x " +
                                std::to_string(bins) + " bins is not valid");
  }
  memory_.assign((bytes + 7) / 8, 0);
  if (detect::sketch_init(&sketch_, config, memory_.data(), bytes) != detect::DetectStatus::kOk) {
    throw std::invalid_argument("sketch_init failed");
  }
}

OwnedSketch::OwnedSketch(const OwnedSketch& other) : OwnedSketch(other.feature_count(), other.bins()) {
  *this = other;
}

OwnedSketch& OwnedSketch::operator=(const OwnedSketch& other) {
  if (this == &other) return *this;
  if (feature_count() != other.feature_count() || bins() != other.bins()) {
    OwnedSketch fresh(other.feature_count(), other.bins());
    memory_ = std::move(fresh.memory_);
    const uint32_t bytes = static_cast<uint32_t>(memory_.size() * 8);
    detect::sketch_init(&sketch_, other.sketch_.config, memory_.data(), bytes);
  }
  // Same shape: the memory layouts are identical, so the bytes and the scalars copy over (into
  // this object's buffer, which the sketch's pointers address).
  std::copy(other.memory_.begin(), other.memory_.end(), memory_.begin());
  sketch_.stats.count = other.sketch_.stats.count;
  sketch_.rejected = other.sketch_.rejected;
  return *this;
}

std::vector<uint8_t> encode_sketch(const detect::FeatureSketch& s) {
  const uint32_t f = s.config.feature_count, b = s.config.bins;
  std::vector<uint8_t> out;
  out.reserve(blob_bytes(f, b));
  put(out, f);
  put(out, b);
  put(out, s.stats.count);
  put(out, s.rejected);
  for (uint32_t i = 0; i < f; ++i) put(out, s.lo[i]);
  for (uint32_t i = 0; i < f; ++i) put(out, s.hi[i]);
  for (uint32_t i = 0; i < f; ++i) put(out, s.stats.mean[i]);
  for (uint32_t i = 0; i < f; ++i) put(out, s.stats.m2[i]);
  for (uint32_t i = 0; i < f * b; ++i) put(out, s.histogram[i]);
  return out;
}

OwnedSketch decode_sketch(const uint8_t* data, size_t size) {
  if (size < kBlobHeaderBytes) throw std::invalid_argument("sketch blob: " + std::to_string(size) + " bytes, too short");
  const uint8_t* at = data;
  const uint32_t f = get<uint32_t>(at), b = get<uint32_t>(at);
  const uint32_t count = get<uint32_t>(at), rejected = get<uint32_t>(at);
  OwnedSketch owned(f, b);  // checks the shape
  if (size != blob_bytes(f, b)) {
    throw std::invalid_argument("sketch blob: " + std::to_string(size) + " bytes, expected " +
                                std::to_string(blob_bytes(f, b)) + " for " + std::to_string(f) + "x" +
                                std::to_string(b));
  }
  detect::FeatureSketch& s = owned.get();
  s.stats.count = count;
  s.rejected = rejected;
  for (uint32_t i = 0; i < f; ++i) s.lo[i] = get<float>(at);
  for (uint32_t i = 0; i < f; ++i) s.hi[i] = get<float>(at);
  for (uint32_t i = 0; i < f; ++i) s.stats.mean[i] = get<double>(at);
  for (uint32_t i = 0; i < f; ++i) s.stats.m2[i] = get<double>(at);
  for (uint32_t i = 0; i < f * b; ++i) s.histogram[i] = get<uint32_t>(at);
  return owned;
}

OwnedSketch sketch_from_telemetry(const OtaTelemetry& t) {
  if (t.feature_count == 0 || t.bins == 0) throw std::invalid_argument("telemetry batch carries no sketch");
  OwnedSketch owned(t.feature_count, t.bins);
  detect::FeatureSketch& s = owned.get();
  for (uint32_t f = 0; f < t.feature_count; ++f) {
    const float lo = ota_telemetry_lo(t, f), hi = ota_telemetry_hi(t, f);
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) {
      throw std::invalid_argument("telemetry sketch: feature " + std::to_string(f) + " range is not lo < hi");
    }
    s.lo[f] = lo;
    s.hi[f] = hi;
    s.stats.mean[f] = ota_telemetry_mean(t, f);
    s.stats.m2[f] = ota_telemetry_m2(t, f);
    for (uint32_t b = 0; b < t.bins; ++b) s.histogram[f * t.bins + b] = ota_telemetry_bin(t, f, b);
  }
  s.stats.count = t.sketch_count;
  return owned;
}

}  // namespace tmf::monitor
