// Fleet scenarios (JSON, docs/sim.md): groups of virtual devices with a signal source and link
// shaping, and a timeline of load/speed changes and bearing-fault onsets. This file parses and
// validates them; scenario_world.h turns them into per-device conditions and signal sources.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/sim/machine_condition.h"

namespace tmf::sim {

enum class SourceKind { synthetic, replay };
const char* to_string(SourceKind s);

struct LinkShape {
  double loss_percent = 0;  // [0, 100]: share of messages dropped
  double latency_ms = 0;    // >= 0: one-way delay
  double kbps = 0;          // >= 0: bandwidth limit, 0 = unlimited
};

struct ReplaySpec {
  std::string data;        // dataset folder, resolved against the scenario file's folder
  std::string condition = "normal";
  std::optional<double> load_hp;        // manifest column motor_load_hp
  std::optional<double> fault_size_in;  // fault recordings' manifest column fault_size_in
};

struct GroupSpec {
  std::string name;        // [a-z0-9_] and '-', 1-32 characters, unique
  uint32_t devices = 0;    // 1 .. 1000
  SourceKind source = SourceKind::synthetic;
  ReplaySpec replay;       // source == replay only
  LinkShape link;
  double load = 0.5;       // load at t = 0, [0, 1.5]
  double shaft_hz = 29.95; // nominal shaft rate of the group's machines (synthetic), (0, 200]
  uint32_t axes = 1;       // accelerometer axes of the group's devices (synthetic), 1 .. 8
};

enum class EventKind { load_change, speed_change, fault };
const char* to_string(EventKind k);

struct EventSpec {
  double at_s = 0;              // scenario seconds, [0, duration_s]
  EventKind kind = EventKind::load_change;
  std::string group;
  bool all_devices = true;      // "devices": "all"
  std::vector<uint32_t> devices;  // otherwise these indices (< the group's device count)
  double load = 0;              // load_change: target load [0, 1.5]
  double speed = 1;             // speed_change: target speed factor [0.25, 2]
  double ramp_s = 0;            // load/speed change: reaches the target after this long
  FaultType fault = FaultType::none;  // fault
  double growth_s = 0;          // fault: severity ramps 0 -> max_severity over this long
  double max_severity = 1;      // fault: (0, 1]

  bool applies_to(uint32_t device_index) const;
};

struct Scenario {
  std::string file;             // name used in messages (the path for scenario_load)
  std::string name;
  uint64_t seed = 1;
  double duration_s = 0;        // > 0 scenario seconds
  double speed = 1;             // accelerated clock: scenario seconds per wall second, > 0
  double window_period_s = 1;   // each device measures one window every this many seconds, > 0
  double sample_rate_hz = 12000;  // synthetic devices; replay devices resample to it
  std::string fleet;            // fleet name (default: name)
  std::vector<GroupSpec> groups;
  std::vector<EventSpec> events;  // in file order

  const GroupSpec& group(const std::string& name) const;  // throws SimError if unknown
  uint32_t device_count() const;
};

// Parses and validates scenario JSON. `file` names the text in messages; relative replay
// folders are resolved against `base_dir` ("" = as written). Unknown fields, unknown kinds,
// wrong types and out-of-range values throw SimError "FILE: events[2].load: 1.8 is out of range
// [0, 1.5]".
Scenario scenario_parse(const std::string& json_text, const std::string& file,
                        const std::string& base_dir = "");
// Reads and parses PATH (replay folders relative to PATH's folder) and checks that every replay
// group's recordings exist: a healthy one, and one per fault type its events inject.
Scenario scenario_load(const std::string& path);

// "<group>-<index, 2 digits at least>": "line-a-07".
std::string device_id(const std::string& group, uint32_t index);

}  // namespace tmf::sim
