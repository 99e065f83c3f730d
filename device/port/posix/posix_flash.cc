// File-backed NOR flash (posix_flash.h).
#include "posix_flash.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tmf_posix {

PosixFlash::PosixFlash(const std::string& path, const tmf::PortFlashGeometry& geometry) : geometry_(geometry) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open flash image: " + std::strerror(errno));
  struct stat st {};
  fstat(fd_, &st);
  if (st.st_size == 0) {
    std::vector<uint8_t> erased(geometry.sector_bytes, 0xFF);
    for (uint32_t at = 0; at < geometry.total_bytes; at += geometry.sector_bytes) {
      if (::write(fd_, erased.data(), erased.size()) != static_cast<ssize_t>(erased.size())) {
        throw std::runtime_error(path + ": cannot initialize flash image");
      }
    }
  } else if (static_cast<uint64_t>(st.st_size) != geometry.total_bytes) {
    throw std::runtime_error(path + ": flash image is " + std::to_string(st.st_size) + " bytes, --flash-bytes says " +
                             std::to_string(geometry.total_bytes));
  }
  void* p = mmap(nullptr, geometry.total_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (p == MAP_FAILED) throw std::runtime_error(path + ": cannot map flash image: " + std::strerror(errno));
  base_ = static_cast<uint8_t*>(p);
}

PosixFlash::~PosixFlash() {
  if (base_ != nullptr) munmap(base_, geometry_.total_bytes);
  if (fd_ >= 0) ::close(fd_);
}

void PosixFlash::count_operation() {
  if (operations_++ == cut_at_) _exit(137);
}

tmf::PortStatus PosixFlash::read(uint32_t offset, void* out, uint32_t bytes) const {
  if (static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) return tmf::PortStatus::kPortErrRange;
  std::memcpy(out, base_ + offset, bytes);
  return tmf::PortStatus::kPortOk;
}

tmf::PortStatus PosixFlash::erase_sector(uint32_t offset) {
  if (offset % geometry_.sector_bytes != 0 || offset >= geometry_.total_bytes) return tmf::PortStatus::kPortErrRange;
  count_operation();
  std::memset(base_ + offset, 0xFF, geometry_.sector_bytes);
  return tmf::PortStatus::kPortOk;
}

tmf::PortStatus PosixFlash::write(uint32_t offset, const void* data, uint32_t bytes) {
  if (offset % geometry_.write_bytes != 0 || bytes % geometry_.write_bytes != 0 ||
      static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) {
    return tmf::PortStatus::kPortErrRange;
  }
  count_operation();
  const uint8_t* in = static_cast<const uint8_t*>(data);
  for (uint32_t i = 0; i < bytes; ++i) base_[offset + i] &= in[i];  // NOR: only clears bits
  return tmf::PortStatus::kPortOk;
}

const uint8_t* PosixFlash::map(uint32_t offset, uint32_t bytes) const {
  if (static_cast<uint64_t>(offset) + bytes > geometry_.total_bytes) return nullptr;
  return base_ + offset;
}

}  // namespace tmf_posix
