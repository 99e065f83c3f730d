// Pause, resume and cancel as compare-and-set transitions of deployments.state (rollout_control.h).
#include "host/deploy/rollout_control.h"

#include <vector>

namespace tmf::deploy {

const char* rollout_action_to_string(RolloutAction action) {
  switch (action) {
    case RolloutAction::kRolloutActionPause: return "pause";
    case RolloutAction::kRolloutActionResume: return "resume";
    case RolloutAction::kRolloutActionCancel: return "cancel";
  }
  return "?";
}

registry::DeploymentInfo rollout_control(registry::Registry& registry, int64_t id, RolloutAction action,
                                         const std::string& by, const std::string& reason) {
  using registry::DeploymentState;
  const std::string name = "rollout " + std::to_string(id);
  DeploymentState to = DeploymentState::kPaused;
  std::vector<DeploymentState> from = {DeploymentState::kRunning};
  const char* allowed = "only a running rollout can be paused";
  std::string said = "paused";
  switch (action) {
    case RolloutAction::kRolloutActionPause: break;
    case RolloutAction::kRolloutActionResume:
      to = DeploymentState::kRunning;
      from = {DeploymentState::kPaused};
      allowed = "only a paused rollout can be resumed";
      said = "resumed";
      break;
    case RolloutAction::kRolloutActionCancel:
      to = DeploymentState::kCancelled;
      from = {DeploymentState::kRunning, DeploymentState::kPaused};
      allowed = "only a running or paused rollout can be cancelled";
      said = "cancelled";
      break;
  }
  // A resumed rollout says nothing more; a paused or cancelled one says who did it and why.
  const std::string why = to == DeploymentState::kRunning ? "" : said + " by " + by + (reason.empty() ? "" : ": " + reason);
  registry::Transaction tx(registry.db());
  const auto before = registry.find_deployment(id);
  if (!before) throw RolloutControlError(RolloutControlRefusal::kRolloutControlNotFound, name + ": no such deployment");
  if (!registry.transition_deployment(id, from, to, why)) {
    throw RolloutControlError(RolloutControlRefusal::kRolloutControlWrongState,
                              name + " is " + registry::to_string(before->state) + ": " + allowed);
  }
  tx.commit();
  return *registry.find_deployment(id);
}

}  // namespace tmf::deploy
