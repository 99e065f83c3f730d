// Internal: carving caller memory into the library's arrays (8-byte aligned, size-checked once).
#pragma once

#include <stdint.h>

#include "device/detect/detect_status.h"

namespace tmf::detect {

// Rounds up to a multiple of 8 (every array of the library starts 8-byte aligned).
constexpr uint32_t align8(uint32_t bytes) { return (bytes + 7u) & ~7u; }

// Common checks of a caller block: non-null, 8-byte aligned, at least `needed` bytes.
inline DetectStatus check_memory(const void* memory, uint32_t bytes, uint32_t needed) {
  if (memory == nullptr) return DetectStatus::kErrNullArgument;
  if ((reinterpret_cast<uintptr_t>(memory) & 7u) != 0) return DetectStatus::kErrMisaligned;
  if (bytes < needed) return DetectStatus::kErrMemoryTooSmall;
  return DetectStatus::kOk;
}

// Hands out consecutive 8-aligned pieces of a checked block.
class MemoryCarver {
 public:
  explicit MemoryCarver(void* memory) : next_(static_cast<uint8_t*>(memory)) {}
  template <typename T>
  T* take(uint32_t count) {
    T* p = reinterpret_cast<T*>(next_);
    next_ += align8(count * static_cast<uint32_t>(sizeof(T)));
    return p;
  }

 private:
  uint8_t* next_;
};

}  // namespace tmf::detect
