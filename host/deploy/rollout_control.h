// An operator's pause, resume and cancel of a deployment (tinymlops rollout pause|resume|cancel,
// POST /api/v1/rollouts/{id}/...). Only the registry row changes; the process running the rollout
// (deploy, serve's loop) reads it between device steps and acts (docs/deploy.md "Pause, resume, cancel").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "host/registry/registry.h"

namespace tmf::deploy {

enum class RolloutAction { kRolloutActionPause, kRolloutActionResume, kRolloutActionCancel };

const char* rollout_action_to_string(RolloutAction action);  // "pause", "resume", "cancel"

// Why an action was refused: the deployment does not exist, or its state does not allow it.
enum class RolloutControlRefusal { kRolloutControlNotFound, kRolloutControlWrongState };

class RolloutControlError : public std::runtime_error {
 public:
  RolloutControlError(RolloutControlRefusal refusal, const std::string& message)
      : std::runtime_error(message), refusal_(refusal) {}
  RolloutControlRefusal refusal() const { return refusal_; }

 private:
  RolloutControlRefusal refusal_;
};

// pause: running -> paused; resume: paused -> running; cancel: running or paused -> cancelled.
// `by` (who asked) and `reason` go into the deployment's reason. Returns the deployment as it is
// now; throws RolloutControlError naming the deployment and its state otherwise.
registry::DeploymentInfo rollout_control(registry::Registry& registry, int64_t id, RolloutAction action,
                                         const std::string& by, const std::string& reason = "");

}  // namespace tmf::deploy
