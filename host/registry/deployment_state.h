// The states of a deployment and of each device in it, as enums with one text form each
// (registry columns deployments.state and deployment_devices.state, `deploy --json`, the API).
// docs/deploy.md describes the transitions.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace tmf::registry {

enum class DeploymentState {
  kRunning,
  kCompleted,
  kHalted,      // stopped without rolling back (reserved: the schema allows it)
  kRolledBack,  // a stage failed its bound: halted and its devices sent back
  kPaused,      // an operator paused it: devices in flight finish, no device is offered more (migration 12)
  kCancelled,   // an operator cancelled it: nothing more is offered; devices already updated keep the model
};

enum class DeviceRolloutState {
  kPending,      // in a later stage, nothing sent yet
  kOffered,      // manifest sent
  kDownloading,  // the device asked for chunks
  kVerified,     // image checked on the device
  kTrial,        // running the new model on probation
  kConfirmed,    // running the new model; health gate open
  kHealthy,      // passed the gate (terminal)
  kFailed,       // refused, reverted, failed its gate or timed out (terminal)
  kRollingBack,  // its stage failed: told to go back to the previous model
  kRolledBack,   // back on the previous model (terminal)
  kRefused,      // fleet-aware deploy: no variant fits the device; nothing sent (terminal)
  kCancelled,    // its rollout was cancelled before it finished; `detail` says which model it keeps (terminal)
};

const char* to_string(DeploymentState state);
const char* to_string(DeviceRolloutState state);
// std::invalid_argument naming the text and the valid words.
DeploymentState deployment_state_parse(std::string_view text);
DeviceRolloutState device_rollout_state_parse(std::string_view text);
// "running, completed, halted, rolled_back, paused or cancelled" (for --help and errors).
std::string deployment_state_choices();
bool terminal(DeviceRolloutState state);
// Running or paused: the deployment's engine still owns it (a later `deploy` resumes it).
bool deployment_open(DeploymentState state);

void to_json(nlohmann::json& j, DeploymentState state);
void from_json(const nlohmann::json& j, DeploymentState& state);
void to_json(nlohmann::json& j, DeviceRolloutState state);
void from_json(const nlohmann::json& j, DeviceRolloutState& state);

}  // namespace tmf::registry
