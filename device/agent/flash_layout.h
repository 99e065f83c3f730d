// Where the agent keeps things in the port's flash (docs/agent.md, "Flash layout"):
//   [journal: 2 sectors][update area: manifest copy + chunk markers][slot 0][slot 1]
// Each region starts on a sector boundary; slots are equal and as large as the rest allows.
#pragma once

#include <stdint.h>

#include "agent_status.h"
#include "device/port/port.h"

namespace tmf {

constexpr uint32_t kAgentJournalRecordBytes = 128;
// The update area starts with a 32-byte granule holding the u32 manifest length, then the raw
// MANIFEST message; chunk markers follow.
constexpr uint32_t kAgentManifestStoreBytes = 32 + kOtaMaxManifestBytes;
constexpr uint32_t kAgentMinMarkers = 1024;
// Chunks an update may have: the RAM bitmap of persisted chunks is a bit each (4,096: 512 bytes; a
// build for a small part sets TMF_AGENT_MAX_CHUNKS, e.g. 256 chunks of 512 B: a 128 KB file).
#ifndef TMF_AGENT_MAX_CHUNKS
#define TMF_AGENT_MAX_CHUNKS 4096
#endif
constexpr uint32_t kAgentMaxChunks = TMF_AGENT_MAX_CHUNKS;
static_assert(kAgentMaxChunks % 8 == 0 && kAgentMaxChunks > 0, "TMF_AGENT_MAX_CHUNKS: a multiple of 8");

struct AgentFlashLayout {
  uint32_t sector_bytes;
  uint32_t write_bytes;
  uint32_t journal_offset;   // two sectors
  uint32_t update_offset;    // update area
  uint32_t update_bytes;
  uint32_t markers_offset;   // absolute offset of marker 0; marker i is write_bytes long
  uint32_t marker_capacity;  // markers that fit (≤ kAgentMaxChunks)
  uint32_t slot_offset[2];
  uint32_t slot_bytes;
};

// Fills `layout` for `geometry`; kAgentErrLayout if the geometry is unusable (granule not a power
// of two in 1..32, sector < 256 or not a power of two, or no room for two slots of a sector).
AgentStatus agent_flash_layout(const PortFlashGeometry& geometry, AgentFlashLayout* layout);

}  // namespace tmf
