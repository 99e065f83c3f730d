// What a rollout decides before it sends anything (rollout.h): stage sizes, the update id devices
// see, and whether a variant fits a device. Stateless; the engine is in rollout.cc.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/deploy/rollout.h"

namespace tmf::deploy {

std::vector<uint32_t> rollout_stage_sizes(const std::vector<std::string>& stages, uint32_t devices) {
  if (stages.empty()) throw std::invalid_argument("--stages: no stage given");
  std::vector<uint32_t> sizes;
  uint32_t previous = 0;
  for (const std::string& s : stages) {
    uint32_t count = 0;
    try {
      size_t used = 0;
      if (!s.empty() && s.back() == '%') {
        const double percent = std::stod(s.substr(0, s.size() - 1), &used);
        if (used != s.size() - 1 || percent <= 0 || percent > 100) throw std::invalid_argument(s);
        count = static_cast<uint32_t>(std::ceil(percent / 100.0 * devices - 1e-9));
      } else {
        const long long n = std::stoll(s, &used);
        if (used != s.size() || n <= 0) throw std::invalid_argument(s);
        count = static_cast<uint32_t>(std::min<long long>(n, devices));
      }
    } catch (const std::logic_error&) {
      throw std::invalid_argument("--stages: '" + s + "' is neither a positive count nor a percentage (1..100%)");
    }
    previous = std::max(previous, count);
    sizes.push_back(previous);
  }
  return sizes;
}

uint32_t rollout_update_id(const registry::DeploymentInfo& deployment, const std::string& artifact) {
  // FNV-1a over what identifies the deployment: stable when resumed, distinct across registries.
  uint32_t h = 2166136261u;
  const std::string key = artifact + ":" + std::to_string(deployment.id) + ":" + deployment.created_at;
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return h == 0 ? 1 : h;
}

std::string variant_misfit(const OtaManifest& manifest, const OtaInfo& info) {
  if (manifest.arena_bytes > info.ram_bytes) {
    return "needs arena " + std::to_string(manifest.arena_bytes) + " B, device offers " + std::to_string(info.ram_bytes) + " B";
  }
  const uint32_t flash = std::max(manifest.flash_bytes, manifest.file_bytes);
  if (flash > info.slot_bytes) {
    return "needs " + std::to_string(flash) + " B of flash, device slot offers " + std::to_string(info.slot_bytes) + " B";
  }
  for (int op = 0; op < 256; ++op) {
    const uint8_t bit = static_cast<uint8_t>(1u << (op % 8));
    if ((manifest.ops[op / 8] & bit) && !(info.ops[op / 8] & bit)) {
      return "needs opcode " + std::to_string(op) + ", not built into the device firmware";
    }
  }
  return "";
}

}  // namespace tmf::deploy
