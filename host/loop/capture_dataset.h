// Turns raw captures uploaded by devices (DATA messages, stored by `serve`) into a dataset folder
// (docs/data.md layout: manifest.csv + float32 files) that `train` and `eval` read, so retraining
// uses data from the machines as they are now.
#pragma once

#include <string>
#include <vector>

namespace tmf::loop {

struct CaptureFile {
  std::string device;
  uint32_t capture_id = 0;
  std::string path;        // raw little-endian float32 samples
  uint64_t offset = 0;     // first sample used (a capture with lost segments gives its contiguous parts)
  uint64_t samples = 0;    // samples used from `offset`
  double sample_rate_hz = 0;
  std::string label = "normal";
};

// Writes DIR/manifest.csv and a copy of each capture (its used part) as
// DIR/<device>-<capture_id>[-<offset>].f32 (the
// registry keeps the dataset as it was trained on even if captures are pruned later). The folder
// must not exist yet; it is written under DIR.tmp and renamed, so a crash leaves no half dataset.
// Throws LoopError naming the capture whose file is missing or has the wrong size.
void write_capture_dataset(const std::vector<CaptureFile>& captures, const std::string& dir);

// The loop's split by upload (docs/loop.md "Challenge"): every part of a capture goes to the same
// side, so the challenger is judged on uploads that supplied none of its training data. Captures
// in ascending id order; every third (the 3rd, 6th, ...) is held out, and with two captures the
// second. Throws LoopError with fewer than two captures (nothing to hold out).
struct CaptureSplit {
  std::vector<CaptureFile> train, holdout;
};
CaptureSplit capture_split_by_upload(const std::vector<CaptureFile>& parts);

}  // namespace tmf::loop
