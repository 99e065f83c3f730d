// 16-byte aligned bytes on the host: a TMF file must be read, and an arena provided, at a 16-byte
// aligned address (docs/format.md), which std::vector does not promise. Movable (the heap buffer
// and the pointer into it travel together), not copyable.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

namespace tmf::host {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // `bytes` zero bytes.
  explicit AlignedBuffer(size_t bytes) : storage_(bytes + 16), size_(bytes) { base_ = align(storage_); }
  // A copy of `bytes` bytes at `data`.
  AlignedBuffer(const uint8_t* data, size_t bytes) : AlignedBuffer(bytes) {
    if (bytes != 0) std::memcpy(base_, data, bytes);
  }
  explicit AlignedBuffer(const std::vector<uint8_t>& bytes) : AlignedBuffer(bytes.data(), bytes.size()) {}
  AlignedBuffer(AlignedBuffer&&) = default;
  AlignedBuffer& operator=(AlignedBuffer&&) = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  uint8_t* data() { return base_; }
  const uint8_t* data() const { return base_; }
  size_t size() const { return size_; }

 private:
  static uint8_t* align(std::vector<uint8_t>& v) {
    return v.data() + (16 - reinterpret_cast<uintptr_t>(v.data()) % 16) % 16;
  }
  std::vector<uint8_t> storage_;
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
};

}  // namespace tmf::host
