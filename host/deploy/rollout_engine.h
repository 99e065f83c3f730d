// Internal to the rollout engine (rollout.h): the Rollout class and its per-device records,
// shared by rollout.cc (stages, operator control, the result) and rollout_devices.cc (device
// messages, resends, health gates and timeouts). Not for use outside host/deploy.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "host/deploy/health_gate.h"
#include "host/deploy/rollout.h"
#include "host/deploy/update_package.h"
#include "host/fleet/link.h"

namespace tmf::deploy::rollout_internal {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Per-device states of a deployment (deployment_devices.state; registry/deployment_state.h).
using State = registry::DeviceRolloutState;
using enum registry::DeviceRolloutState;

// One model the rollout can send: its package, manifest and update_id.
struct Variant {
  registry::VersionInfo version;
  UpdatePackage package;
  std::vector<uint8_t> manifest;
  uint32_t update_id = 0;
  std::string label() const { return version.name + ":" + std::to_string(version.version); }
};

struct DeviceRun {
  registry::DeploymentDevice row;
  size_t variant = 0;  // index into Rollout::variants_
  bool in_stage = false;
  Clock::time_point last_activity{};
  Clock::time_point confirmed_at{};
  Clock::time_point revert_sent_at{};
  Clock::time_point status_requested_at{};
  int status_requests = 0;
  std::set<uint32_t> offsets_sent;
  HealthGateTally gate;  // the device's TELEMETRY with the new model since it confirmed
  bool awaiting_offer = false;  // in the current stage, not offered yet (the rollout may be paused)
  bool dirty = false;
};

class Rollout {
 public:
  Rollout(registry::Registry& reg, const std::vector<registry::VersionInfo>& versions, const RolloutOptions& options,
          bool fit_check)
      : reg_(reg), version_(versions.at(0)), opt_(options), fit_check_(fit_check) {
    for (const auto& v : versions) variants_.push_back(Variant{v, {}, {}, 0});
  }

  RolloutResult run();

 private:
  void log(const std::string& line) const {
    if (opt_.log) opt_.log(line);
  }
  void send_command(const std::string& device, const OtaCommand& command) {
    uint8_t bytes[kOtaCommandCollectBytes];
    const size_t n = ota_command_encode(command, bytes, sizeof bytes);
    link_->publish(device, OtaTopic::kOtaTopicCommand, bytes, n, 1);
  }
  const fleet::DeviceRecord* record(const std::string& id) const { return link_->device(id); }
  bool online(const std::string& id) const {
    const fleet::DeviceRecord* r = record(id);
    return r && r->online.value_or(false);
  }
  void pump(double seconds);
  void handle(fleet::FleetEvent& e);
  void gate_telemetry(DeviceRun& d, const OtaTelemetry& t);
  void handle_event(const std::string& id, const OtaEventMessage& e);
  void handle_request(const std::string& id, const OtaChunkRequest& r);
  void tick();
  void flush();
  void set_state(DeviceRun& d, State state, const std::string& detail = "",
                 std::optional<int64_t> result = std::nullopt);
  void offer(DeviceRun& d);
  bool runs_target(const std::string& id) const;
  const Variant& variant_of(const std::string& id) const;
  bool choose_variant(DeviceRun& d);
  void run_stage(int stage, const std::vector<std::string>& devices);
  void roll_back_stage(int stage);
  // The operator's word (rollout_control.h): deployments.state read from the registry, which
  // another process may have changed; at most every 0.2 s unless `now`.
  registry::DeploymentState poll_control(bool now = false);
  bool wait_while_paused();  // pumps while paused; false if the rollout was cancelled
  void offer_waiting(const std::vector<std::string>& devices);
  void cancel_stage(const std::vector<std::string>& devices);

  registry::Registry& reg_;
  registry::VersionInfo version_;
  RolloutOptions opt_;
  bool fit_check_ = false;
  std::vector<Variant> variants_;
  std::unique_ptr<fleet::FleetLink> link_;
  int64_t deployment_ = 0;
  std::map<std::string, bool> was_online_;  // presence before the latest PRESENCE event
  std::map<std::string, DeviceRun> runs_;
  Clock::time_point last_tick_{}, last_flush_{};
  Clock::time_point stage_started_{};
  std::optional<Clock::time_point> first_offer_, last_confirm_;
  registry::DeploymentState control_ = registry::DeploymentState::kRunning;
  std::string control_reason_;
  Clock::time_point last_control_{};
  RolloutResult result_;
};

}  // namespace tmf::deploy::rollout_internal
