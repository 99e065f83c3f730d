// The fleet of `tinymlops sim`: every virtual device of a scenario, the accelerated scenario
// clock, and the simulated operator who labels alarms from the scenario's ground truth.
//
// Clock: the scenario's time 0 is the moment every device runs a model with detection settings
// (the fleet is commissioned: collect -> train -> deploy of the first model happened); before
// that the machines run in their initial condition. From then on scenario time advances at
// `speed` scenario seconds per wall second, and each device measures one window every
// window_period_s scenario seconds. docs/sim.md.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/fleet/broker_settings.h"
#include "host/sim/scenario.h"
#include "host/simulator/bare_metal_device.h"
#include "host/simulator/virtual_device.h"

namespace tmf::simulator {

struct FleetOptions {
  std::string scenario_path;
  uint32_t devices = 0;              // > 0: the (single) group's device count instead of the file's
  // The broker: on 127.0.0.1 (virtual devices talk to nothing else); with broker.tls, every device
  // connects with its own certificate, which the simulator issues and enrols from `ca_dir` (the
  // fleet directory of `tinymlops fleet init`) as a factory would. Plain text is a lab opt-in.
  fleet::BrokerSettings broker;
  std::string ca_dir;
  std::string registry_dir;          // the registry `serve` writes (alerts to label, results to judge)
  std::string work_dir;              // flash images; ids/ holds the devices' keys and certificates
  std::vector<std::string> trusted_keys;  // public key files (hex or raw)
  // Bare-metal devices (bare_metal_device.h) in the first group, after its virtual devices: the
  // firmware under QEMU through scripts/qemu-device.sh, each behind its own `tinymlops gateway`.
  uint32_t bare_metal = 0;
  std::string bare_metal_core = "cortex-m4";
  std::string qemu_device_script;    // scripts/qemu-device.sh
  std::string firmware;              // "" : the script's default image for the core
  std::string gateway_cli;           // the tinymlops binary
  bool operator_labels = true;       // label alarms from the ground truth, as an operator would
  double commission_timeout_s = 600; // wall seconds to wait for the first model on every device
  double drain_seconds = 5;          // wall seconds after the end for the last acknowledgements
  std::function<void(const nlohmann::json&)> log;  // progress events
};

struct LabelRecord {
  int64_t alert = 0;
  std::string device;
  double t_s = 0;  // scenario time of the alarm
  bool truth = false;
};

struct FleetResult {
  sim::Scenario scenario;
  std::vector<std::unique_ptr<VirtualDevice>> devices;
  std::vector<std::unique_ptr<BareMetalDevice>> bare_metal;
  int64_t scenario_start_unix_ms = 0;  // wall time of scenario time 0
  double commission_wall_s = 0;        // wall seconds from start to commissioned
  double run_wall_s = 0;               // wall seconds of the whole run
  std::vector<LabelRecord> labels;
  // Scenario time of a wall instant (negative before commissioning).
  double scenario_time(int64_t unix_ms) const {
    return (unix_ms - scenario_start_unix_ms) / 1000.0 * scenario.speed;
  }
};

// Runs the scenario to its end. Throws std::runtime_error (commissioning timeout, broker) or
// sim::SimError (scenario) naming the problem.
FleetResult fleet_run(const FleetOptions& options);

}  // namespace tmf::simulator
