// Semihosting-backed NOR flash (nor_flash.h).
#include "nor_flash.h"

#include <string.h>

#include "semihosting.h"

namespace tmf_qemu {
namespace {

bool pow2(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

bool in_range(const NorFlash* f, uint32_t offset, uint32_t bytes) {
  return offset <= f->geometry.total_bytes && bytes <= f->geometry.total_bytes - offset;
}

// Writes mirror[offset, offset+bytes) to the file.
bool write_through(NorFlash* f, uint32_t offset, uint32_t bytes) {
  if (sh_seek(f->handle, offset) != 0) return false;
  return sh_write(f->handle, f->mirror + offset, bytes) == bytes;
}

}  // namespace

const char* nor_status_to_string(NorStatus status) {
  switch (status) {
    case NorStatus::kNorOk: return "ok";
    case NorStatus::kNorErrOpen: return "cannot open or create the flash file";
    case NorStatus::kNorErrSize: return "flash file has another size than the flash";
    case NorStatus::kNorErrIo: return "flash file read/write failed";
    case NorStatus::kNorErrGeometry: return "bad flash geometry";
  }
  return "unknown";
}

NorStatus nor_open(NorFlash* f, const char* path, const tmf::PortFlashGeometry& g, uint8_t* mirror,
                   uint32_t mirror_bytes) {
  if (!pow2(g.sector_bytes) || g.sector_bytes < 256 || !pow2(g.write_bytes) || g.write_bytes > 32 ||
      g.total_bytes == 0 || g.total_bytes % g.sector_bytes != 0 || mirror == nullptr || mirror_bytes < g.total_bytes ||
      reinterpret_cast<uintptr_t>(mirror) % 16 != 0) {
    return NorStatus::kNorErrGeometry;
  }
  f->geometry = g;
  f->mirror = mirror;
  f->operations = 0;
  f->handle = sh_open(path, "r+b");
  if (f->handle > 0) {
    const int32_t length = sh_flen(f->handle);
    if (length != static_cast<int32_t>(g.total_bytes)) return NorStatus::kNorErrSize;
    if (sh_seek(f->handle, 0) != 0 || sh_read(f->handle, mirror, g.total_bytes) != g.total_bytes) {
      return NorStatus::kNorErrIo;
    }
    return NorStatus::kNorOk;
  }
  // A new device: its flash is erased.
  f->handle = sh_open(path, "w+b");
  if (f->handle <= 0) return NorStatus::kNorErrOpen;
  memset(mirror, 0xFF, g.total_bytes);
  for (uint32_t at = 0; at < g.total_bytes; at += g.sector_bytes) {
    if (!write_through(f, at, g.sector_bytes)) return NorStatus::kNorErrIo;
  }
  return NorStatus::kNorOk;
}

tmf::PortStatus nor_read(NorFlash* f, uint32_t offset, void* out, uint32_t bytes) {
  if (!in_range(f, offset, bytes)) return tmf::PortStatus::kPortErrRange;
  memcpy(out, f->mirror + offset, bytes);
  return tmf::PortStatus::kPortOk;
}

tmf::PortStatus nor_erase_sector(NorFlash* f, uint32_t offset) {
  if (offset % f->geometry.sector_bytes != 0 || !in_range(f, offset, f->geometry.sector_bytes)) {
    return tmf::PortStatus::kPortErrRange;
  }
  ++f->operations;
  memset(f->mirror + offset, 0xFF, f->geometry.sector_bytes);
  return write_through(f, offset, f->geometry.sector_bytes) ? tmf::PortStatus::kPortOk
                                                            : tmf::PortStatus::kPortErrFlash;
}

tmf::PortStatus nor_write(NorFlash* f, uint32_t offset, const void* data, uint32_t bytes) {
  if (offset % f->geometry.write_bytes != 0 || bytes % f->geometry.write_bytes != 0 || !in_range(f, offset, bytes)) {
    return tmf::PortStatus::kPortErrRange;
  }
  ++f->operations;
  const uint8_t* in = static_cast<const uint8_t*>(data);
  for (uint32_t i = 0; i < bytes; ++i) f->mirror[offset + i] &= in[i];  // programming only clears bits
  return write_through(f, offset, bytes) ? tmf::PortStatus::kPortOk : tmf::PortStatus::kPortErrFlash;
}

const uint8_t* nor_map(NorFlash* f, uint32_t offset, uint32_t bytes) {
  return in_range(f, offset, bytes) ? f->mirror + offset : nullptr;
}

}  // namespace tmf_qemu
