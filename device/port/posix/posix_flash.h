// File-backed flash for the virtual device: a flash image file mapped into memory, with NOR
// semantics (erase sets a sector to 0xFF, a write can only clear bits, both on granule/sector
// boundaries). The mapping is shared, so killing the process leaves exactly the flash state a
// power cut at that instant would.
#pragma once

#include <stdint.h>

#include <string>

#include "device/port/port.h"

namespace tmf_posix {

class PosixFlash {
 public:
  // Opens or creates `path` with `total_bytes` (a new file is all 0xFF). Throws
  // std::runtime_error naming the file on failure or on a size mismatch.
  PosixFlash(const std::string& path, const tmf::PortFlashGeometry& geometry);
  ~PosixFlash();
  PosixFlash(const PosixFlash&) = delete;
  PosixFlash& operator=(const PosixFlash&) = delete;

  const tmf::PortFlashGeometry& geometry() const { return geometry_; }
  tmf::PortStatus read(uint32_t offset, void* out, uint32_t bytes) const;
  tmf::PortStatus erase_sector(uint32_t offset);
  tmf::PortStatus write(uint32_t offset, const void* data, uint32_t bytes);
  const uint8_t* map(uint32_t offset, uint32_t bytes) const;

  // Exit the process (status 137, like SIGKILL) at flash operation `op` (erase or write),
  // before it takes effect: a scripted power cut.
  void cut_power_at(uint64_t op) { cut_at_ = op; }
  uint64_t operations() const { return operations_; }

 private:
  void count_operation();
  tmf::PortFlashGeometry geometry_;
  uint8_t* base_ = nullptr;
  int fd_ = -1;
  uint64_t operations_ = 0;
  uint64_t cut_at_ = UINT64_MAX;
};

}  // namespace tmf_posix
