// Text forms of deployment states (deployment_state.h).
#include "host/registry/deployment_state.h"

#include <nlohmann/json.hpp>

#include "host/registry/enum_names.h"

namespace tmf::registry {
namespace {

constexpr EnumName<DeploymentState> kDeploymentStates[] = {
    {DeploymentState::kRunning, "running"},
    {DeploymentState::kCompleted, "completed"},
    {DeploymentState::kHalted, "halted"},
    {DeploymentState::kRolledBack, "rolled_back"},
    {DeploymentState::kPaused, "paused"},
    {DeploymentState::kCancelled, "cancelled"},
};

constexpr EnumName<DeviceRolloutState> kDeviceStates[] = {
    {DeviceRolloutState::kPending, "pending"},         {DeviceRolloutState::kOffered, "offered"},
    {DeviceRolloutState::kDownloading, "downloading"}, {DeviceRolloutState::kVerified, "verified"},
    {DeviceRolloutState::kTrial, "trial"},             {DeviceRolloutState::kConfirmed, "confirmed"},
    {DeviceRolloutState::kHealthy, "healthy"},         {DeviceRolloutState::kFailed, "failed"},
    {DeviceRolloutState::kRollingBack, "rolling_back"}, {DeviceRolloutState::kRolledBack, "rolled_back"},
    {DeviceRolloutState::kRefused, "refused"},          {DeviceRolloutState::kCancelled, "cancelled"},
};

}  // namespace

const char* to_string(DeploymentState state) { return enum_text(kDeploymentStates, state); }
const char* to_string(DeviceRolloutState state) { return enum_text(kDeviceStates, state); }

DeploymentState deployment_state_parse(std::string_view text) {
  return enum_parse(kDeploymentStates, text, "deployment state");
}
DeviceRolloutState device_rollout_state_parse(std::string_view text) {
  return enum_parse(kDeviceStates, text, "device rollout state");
}
std::string deployment_state_choices() { return enum_choices(kDeploymentStates); }

bool terminal(DeviceRolloutState s) {
  return s == DeviceRolloutState::kHealthy || s == DeviceRolloutState::kFailed ||
         s == DeviceRolloutState::kRolledBack || s == DeviceRolloutState::kRefused || s == DeviceRolloutState::kCancelled;
}

bool deployment_open(DeploymentState s) { return s == DeploymentState::kRunning || s == DeploymentState::kPaused; }

void to_json(nlohmann::json& j, DeploymentState state) { j = to_string(state); }
void from_json(const nlohmann::json& j, DeploymentState& state) { state = deployment_state_parse(j.get<std::string>()); }
void to_json(nlohmann::json& j, DeviceRolloutState state) { j = to_string(state); }
void from_json(const nlohmann::json& j, DeviceRolloutState& state) {
  state = device_rollout_state_parse(j.get<std::string>());
}

}  // namespace tmf::registry
