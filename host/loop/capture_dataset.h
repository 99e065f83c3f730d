// Turns raw captures uploaded by devices (DATA messages, stored by `serve` in the registry's
// database) into a dataset folder (docs/data.md layout: manifest.csv + float32 files) that `train`
// and `eval` read, so retraining uses data from the machines as they are now.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tmf::registry {
class Database;
}

namespace tmf::loop {

// The part of one capture a dataset uses.
struct CapturePart {
  std::string device;
  uint32_t capture_id = 0;
  uint64_t offset = 0;     // first sample used (a capture with lost segments gives its contiguous parts)
  uint64_t samples = 0;    // samples used from `offset`
  double sample_rate_hz = 0;
  std::string label = "normal";
};

// The stored samples of a capture: float32 little-endian from sample 0 (it may end early when its
// last segments were lost). Throws (any std::exception) when they cannot be read.
using CaptureSamples = std::function<std::string(uint32_t capture_id)>;
// From the registry's store (host/monitor/telemetry_store.h).
CaptureSamples capture_samples_from_store(registry::Database& db);

// Writes DIR/manifest.csv and a copy of each part as DIR/<device>-<capture_id>[-<offset>].f32,
// reading each capture once through `samples` (the registry keeps the dataset as it was trained
// on even if captures are pruned later). The folder must not exist yet; it is written under
// DIR.tmp and renamed, so a crash leaves no half dataset. Throws LoopError naming the capture
// whose samples cannot be read or are shorter than the part.
void write_capture_dataset(const std::vector<CapturePart>& parts, const std::string& dir,
                           const CaptureSamples& samples);

// The loop's split by upload (docs/loop.md "Challenge"): every part of a capture goes to the same
// side, so the challenger is judged on uploads that supplied none of its training data. Captures
// in ascending id order; every third (the 3rd, 6th, ...) is held out, and with two captures the
// second. Throws LoopError with fewer than two captures (nothing to hold out).
struct CaptureSplit {
  std::vector<CapturePart> train, holdout;
};
CaptureSplit capture_split_by_upload(const std::vector<CapturePart>& parts);

}  // namespace tmf::loop
