// NOR flash for the QEMU boards, backed by a host file through semihosting: a RAM mirror serves
// reads and execute-in-place (flash_map), and every erase and write goes through to the file at
// once, so killing QEMU is a power cut between two flash operations and the next run (or the
// next boot after a reset) sees exactly what was programmed. NOR rules as device/port/port.h:
// erase to 0xFF by sector, a write only clears bits (mirror &= data).
#pragma once

#include <stdint.h>

#include "device/port/port.h"

namespace tmf_qemu {

enum class NorStatus : uint8_t {
  kNorOk = 0,
  kNorErrOpen,      // the host file could not be opened or created
  kNorErrSize,      // the host file exists with another size than the geometry
  kNorErrIo,        // a semihosting read/seek/write failed
  kNorErrGeometry,  // the geometry breaks port.h's rules or the mirror is too small
};

const char* nor_status_to_string(NorStatus status);

struct NorFlash {
  tmf::PortFlashGeometry geometry;
  uint8_t* mirror;      // geometry.total_bytes, 16-byte aligned
  int32_t handle;       // semihosting file handle
  uint32_t operations;  // erases + writes since open
};

// Opens `path` (created erased when missing) and loads it into `mirror`.
NorStatus nor_open(NorFlash* flash, const char* path, const tmf::PortFlashGeometry& geometry, uint8_t* mirror,
                   uint32_t mirror_bytes);
tmf::PortStatus nor_read(NorFlash* flash, uint32_t offset, void* out, uint32_t bytes);
tmf::PortStatus nor_erase_sector(NorFlash* flash, uint32_t offset);
tmf::PortStatus nor_write(NorFlash* flash, uint32_t offset, const void* data, uint32_t bytes);
const uint8_t* nor_map(NorFlash* flash, uint32_t offset, uint32_t bytes);

}  // namespace tmf_qemu
