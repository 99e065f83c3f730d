// A multi-axis accelerometer on one synthetic machine (issue 16 item 5): C SyntheticMachines that
// share the shaft, the bearing and the timeline (load, speed, fault severities) and differ in what
// the mounting passes to each axis: harmonic gains and phases, the structural resonance, impact
// gain, and their own noise; a defect's impacts are the same events on every axis (same instants
// and amplitudes), each axis ringing its own resonance. Axis 0 is the single-axis machine itself.
// Figures: docs/sim.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/sim/synthetic_machine.h"

namespace tmf::sim {

constexpr uint32_t kMaxAxes = 8;

// The parameters of axis `axis` (0: `base` unchanged). Axes 1 and 2 stand for the radial axis at
// 90 degrees and the axial one: harmonics x0.8 / x0.35 with their phases turned by pi/2 / pi,
// resonance x1.2 / x0.8 (kept below 0.45 fs), impacts x0.7 / x0.4; axes above 2 repeat that pattern
// with the gains halved again. Each axis has its own noise seed; the impact draws (jitter,
// amplitude) keep the base machine's, so one impact reaches every axis at the same instant.
MachineParams machine_axis_params(const MachineParams& base, uint32_t axis);

class MultiAxisMachine : public VibrationSource {
 public:
  // Throws SimError for 0 or more than kMaxAxes axes, or a parameter SyntheticMachine rejects.
  MultiAxisMachine(const MachineParams& base, const MachineTimeline& timeline, uint32_t axes);

  uint32_t axes() const override { return static_cast<uint32_t>(axes_.size()); }
  double sample_rate_hz() const override { return axes_.front().sample_rate_hz(); }
  // n frames from scenario time t, interleaved: out[k * axes() + a] (the dataset file layout).
  void generate_interleaved(double t_seconds, uint32_t n, float* out) const;
  void generate(double t_seconds, uint32_t n, float* out) const override { generate_interleaved(t_seconds, n, out); }

 private:
  std::vector<SyntheticMachine> axes_;
};

// A labelled dataset folder (docs/data.md layout, `channels` column, interleaved float32 files) of
// one machine at one load: a healthy recording of 2 x `seconds` and one of `seconds` per bearing
// fault at `severity`. Used by `tinymlops sim-dataset` and the multi-axis tests.
struct MultiAxisDatasetSpec {
  uint32_t channels = 3;
  double seconds = 8;
  double severity = 0.3;
  double load = 0.5;
  double sample_rate_hz = 12000;
  uint64_t seed = 1;
};
struct MultiAxisRecording {
  std::string file, condition;
  uint64_t samples = 0;  // per channel
};
// Writes DIR/<files> and DIR/manifest.csv (created; throws SimError if a manifest is already there
// or a file cannot be written).
std::vector<MultiAxisRecording> multi_axis_dataset_write(const MultiAxisDatasetSpec& spec, const std::string& dir);

}  // namespace tmf::sim
