// Persistence filter (contract in persistence.h).
#include "device/detect/persistence.h"

namespace tmf::detect {
namespace {

uint32_t popcount64(uint64_t x) {
  uint32_t n = 0;
  while (x != 0) {
    x &= x - 1;  // clears the lowest set bit
    ++n;
  }
  return n;
}

uint64_t ring_mask(uint32_t window) {
  return window >= 64 ? ~0ull : (1ull << window) - 1u;
}

}  // namespace

DetectStatus persistence_init(Persistence* filter, const PersistenceConfig& config) {
  if (filter == nullptr) return DetectStatus::kErrNullArgument;
  if (config.window < 1 || config.window > 64 || config.min_set < 1 ||
      config.min_set > config.window || config.clear_below < 1 ||
      config.clear_below > config.min_set) {
    return DetectStatus::kErrBadConfig;
  }
  filter->config = config;
  persistence_reset(filter);
  return DetectStatus::kOk;
}

void persistence_reset(Persistence* filter) {
  filter->ring = 0;
  filter->alarm = false;
}

PersistenceEvent persistence_push(Persistence* filter, bool candidate) {
  filter->ring = ((filter->ring << 1) | (candidate ? 1u : 0u)) & ring_mask(filter->config.window);
  const uint32_t set = popcount64(filter->ring);
  if (!filter->alarm && set >= filter->config.min_set) {
    filter->alarm = true;
    return PersistenceEvent::kRaised;
  }
  if (filter->alarm && set < filter->config.clear_below) {
    filter->alarm = false;
    return PersistenceEvent::kCleared;
  }
  return PersistenceEvent::kNone;
}

uint32_t persistence_set_count(const Persistence& filter) { return popcount64(filter.ring); }

}  // namespace tmf::detect
