// Replay of real recordings (a dataset folder, docs/data.md) as a virtual device's sensor: a
// recording picked by condition plays in a loop from a seeded offset, with a speed factor
// (resampling by cubic interpolation: speed 1.05 = all frequencies x 1.05), a gain, and an
// optional crossfade into fault recordings (healthy (1 - s) + fault s).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/sim/piecewise_linear.h"
#include "host/sim/vibration_source.h"

namespace tmf::sim {

// One recording's samples, shared by every device that replays it.
struct ReplayClip {
  std::string path;
  std::string condition;
  double sample_rate_hz = 0;
  std::shared_ptr<const std::vector<float>> samples;
};

// Which recordings of a folder qualify. Load and fault size match the manifest columns
// `motor_load_hp` and `fault_size_in` (CWRU layout) when given.
struct ClipFilter {
  std::string condition;
  std::optional<double> load_hp;
  std::optional<double> fault_size_in;
  std::string describe() const;  // "condition 'normal', motor_load_hp 0"
};

// The files (manifest order) of DIR matching the filter. Throws SimError naming the folder and
// the filter if none does (or DataError from reading the manifest).
std::vector<std::string> replay_candidates(const std::string& dir, const ClipFilter& filter);
// One of them, picked by seed, and loaded (each file is read once per process and shared).
ReplayClip replay_pick(const std::string& dir, const ClipFilter& filter, uint64_t seed);

class RecordingReplay : public VibrationSource {
 public:
  // Plays `healthy` from offset seed % length at out_rate_hz (0 = the clip's own rate).
  // Throws SimError for an empty clip or a rate <= 0.
  RecordingReplay(ReplayClip healthy, uint64_t seed, double out_rate_hz = 0);

  // Playback speed over scenario time (must stay > 0); default 1.
  void set_speed(PiecewiseLinear speed);
  // Amplitude factor over scenario time; default 1.
  void set_gain(PiecewiseLinear gain);
  // Crossfades into `fault` (played from its own seeded offset at the same speed) with weight
  // w(t) in [0, 1]: out = healthy (1 - W) + sum w_i fault_i, W = sum w_i (scaled down to 1).
  void add_fault(ReplayClip fault, PiecewiseLinear weight);

  double sample_rate_hz() const override { return out_rate_hz_; }
  void generate(double t_seconds, uint32_t n, float* out) const override;

  uint64_t offset() const { return healthy_.offset; }
  const ReplayClip& healthy_clip() const { return healthy_.clip; }

 private:
  struct Track {
    ReplayClip clip;
    uint64_t offset = 0;
    PiecewiseLinear weight{1.0};
  };
  double sample_at(const Track& track, double position) const;

  uint64_t seed_;
  double out_rate_hz_;
  Track healthy_;
  std::vector<Track> faults_;
  PiecewiseLinear speed_{1.0};
  PiecewiseLinear gain_{1.0};
};

}  // namespace tmf::sim
