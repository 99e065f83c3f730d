// What a scenario means for each virtual device: its condition over time, its signal source
// (following the timeline), and the ground truth the simulator's results are scored against.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/sim/machine_condition.h"
#include "host/sim/scenario.h"
#include "host/sim/vibration_source.h"

namespace tmf::sim {

// The load, speed and fault-severity profiles of one device, built from the group's initial
// load and the events that apply to it in time order. A change ramps linearly from the value at
// its start to its target over ramp_s (growth_s for faults); a later event takes over from
// wherever an earlier ramp has got to. Throws SimError for an unknown group or index.
MachineTimeline scenario_timeline(const Scenario& s, const std::string& group, uint32_t device_index);
MachineCondition scenario_condition(const Scenario& s, const std::string& group,
                                    uint32_t device_index, double t);

// A device's seed: from the scenario seed, the group name and the index.
uint64_t device_seed(const Scenario& s, const std::string& group, uint32_t device_index);

// The source a device senses, following its timeline. Synthetic: SyntheticMachine with
// machine_params_from_seed(device_seed, sample_rate_hz, group shaft_hz). Replay: the group's
// recording (picked by device seed), gain (1 + 0.8 load) / (1 + 0.8 load0) and speed
// factor x slip relative to load0, crossfading into a recording of the injected fault's
// condition with weight = severity.
std::unique_ptr<VibrationSource> make_device_source(const Scenario& s, const std::string& group,
                                                    uint32_t device_index);

struct FaultTruth {
  std::string group;
  uint32_t device_index = 0;
  std::string device_id;
  FaultType fault = FaultType::none;
  double onset_s = 0;         // the event's at_s: severity starts to grow
  double full_s = 0;          // onset + growth_s: severity reaches max_severity
  double max_severity = 0;
};
// One entry per (fault event, device it applies to), ordered by onset then group then index.
std::vector<FaultTruth> scenario_faults(const Scenario& s);

struct DriftTruth {
  std::string group;
  EventKind kind = EventKind::load_change;  // load_change or speed_change
  double at_s = 0;            // the change starts
  double ramp_s = 0;
  double target = 0;          // load or speed factor after the ramp
  bool all_devices = true;
  std::vector<uint32_t> devices;  // when not all
};
// One entry per load/speed event, ordered by at_s (file order for ties).
std::vector<DriftTruth> scenario_drifts(const Scenario& s);

}  // namespace tmf::sim
