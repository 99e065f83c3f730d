// Flash layout of the agent (flash_layout.h).
#include "flash_layout.h"

namespace tmf {
namespace {

bool power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }
uint32_t align_up(uint32_t v, uint32_t a) { return (v + a - 1) / a * a; }

}  // namespace

AgentStatus agent_flash_layout(const PortFlashGeometry& g, AgentFlashLayout* layout) {
  if (layout == nullptr) return AgentStatus::kAgentErrArgument;
  if (!power_of_two(g.write_bytes) || g.write_bytes > 32 || !power_of_two(g.sector_bytes) ||
      g.sector_bytes < 256 || g.total_bytes % g.sector_bytes != 0) {
    return AgentStatus::kAgentErrLayout;
  }
  AgentFlashLayout l{};
  l.sector_bytes = g.sector_bytes;
  l.write_bytes = g.write_bytes;
  l.journal_offset = 0;
  l.update_offset = 2 * g.sector_bytes;
  // Markers start 16-aligned after the manifest copy so every marker is a whole granule.
  const uint32_t markers_rel = align_up(kAgentManifestStoreBytes, 32);
  l.update_bytes = align_up(markers_rel + kAgentMinMarkers * g.write_bytes, g.sector_bytes);
  l.markers_offset = l.update_offset + markers_rel;
  l.marker_capacity = (l.update_bytes - markers_rel) / g.write_bytes;
  if (l.marker_capacity > kAgentMaxChunks) l.marker_capacity = kAgentMaxChunks;
  const uint64_t used = static_cast<uint64_t>(l.update_offset) + l.update_bytes;
  if (used >= g.total_bytes) return AgentStatus::kAgentErrLayout;
  l.slot_bytes = static_cast<uint32_t>((g.total_bytes - used) / 2 / g.sector_bytes * g.sector_bytes);
  if (l.slot_bytes < g.sector_bytes) return AgentStatus::kAgentErrLayout;
  l.slot_offset[0] = static_cast<uint32_t>(used);
  l.slot_offset[1] = l.slot_offset[0] + l.slot_bytes;
  *layout = l;
  return AgentStatus::kAgentOk;
}

}  // namespace tmf
