// /api/v1/rollouts (deployments and their per-device state), /api/v1/approvals (the loop's release
// decisions: approve, reject) and /api/v1/loop/history. Rollouts are started by `tinymlops deploy`
// and serve's loop; pause, resume and cancel here change the registry row the running engine reads
// (host/deploy/rollout_control.h, docs/api.md).
#include <map>

#include "host/api/api_json.h"
#include "host/api/api_routes.h"
#include "host/deploy/rollout_control.h"
#include "host/loop/loop_error.h"
#include "host/monitor/telemetry_store.h"

namespace tmf::api {
namespace {

std::optional<nlohmann::json> list_rollouts(ApiCall& call) {
  const std::string state = call.query_choice("state", "all", {"all", "running", "paused", "completed", "cancelled", "halted", "rolled_back"});
  nlohmann::json list = nlohmann::json::array();
  for (const registry::DeploymentInfo& d :
       call.registry().list_deployments(state == "all" ? std::nullopt
                                                        : std::optional(registry::deployment_state_parse(state)))) {
    list.push_back(api_deployment_json(d));
  }
  return nlohmann::json{{"rollouts", list}};
}

std::optional<nlohmann::json> one_rollout(ApiCall& call) {
  const int64_t id = call.path_int(1, "id");
  const auto d = call.registry().find_deployment(id);
  if (!d) throw ApiError(404, "id", "rollout " + std::to_string(id) + ": no such deployment");
  nlohmann::json j = api_deployment_json(*d);
  nlohmann::json devices = nlohmann::json::array();
  std::map<std::string, int64_t> by_state;
  for (const registry::DeploymentDevice& dd : call.registry().deployment_devices(id)) {
    devices.push_back(api_deployment_device_json(dd));
    ++by_state[registry::to_string(dd.state)];
  }
  j["devices"] = devices;
  j["devices_by_state"] = by_state;
  return j;
}

// 404 for an unknown id, 409 naming the state when the state does not allow the action.
std::optional<nlohmann::json> control_rollout(ApiCall& call, deploy::RolloutAction action) {
  const int64_t id = call.path_int(1, "id");
  const nlohmann::json body = call.body();
  std::string reason;
  if (body.contains("reason")) {
    if (!body["reason"].is_string()) throw ApiError(400, "reason", "reason: must be a string");
    reason = body["reason"].get<std::string>();
  }
  try {
    return api_deployment_json(deploy::rollout_control(call.registry(), id, action, "api:" + call.token().name, reason));
  } catch (const deploy::RolloutControlError& e) {
    if (e.refusal() == deploy::RolloutControlRefusal::kRolloutControlNotFound) throw ApiError(404, "id", e.what());
    throw ApiError(409, "state", e.what());
  }
}

std::optional<nlohmann::json> list_approvals(ApiCall& call) {
  const std::string state = call.query_choice("state", "all", {"all", "pending", "approved", "rejected"});
  nlohmann::json list = nlohmann::json::array();
  for (const loop::Approval& a : loop::Approvals(call.registry().db()).list(call.query("group").value_or(""))) {
    if (state == "all" || state == loop::approval_state_to_string(a.state)) list.push_back(api_approval_json(a));
  }
  return nlohmann::json{{"approvals", list}};
}

// The decision of `step`: 404 when no step waits under that number, 409 when it is decided already.
loop::Approval pending_or_error(ApiCall& call, int64_t step) {
  const auto a = loop::Approvals(call.registry().db()).find(step);
  if (!a) throw ApiError(404, "step", "approval " + std::to_string(step) + ": no loop step waits for approval under that number");
  if (a->state != loop::ApprovalState::kApprovalPending) {
    throw ApiError(409, "step", "approval " + std::to_string(step) + " (" + a->version + "): already " +
                                    loop::approval_state_to_string(a->state) + " by " + a->decided_by);
  }
  return *a;
}

std::optional<nlohmann::json> decide(ApiCall& call, bool approve) {
  const int64_t step = call.path_int(1, "step");
  const nlohmann::json body = call.body();
  std::string reason;
  if (body.contains("reason")) {
    if (!body["reason"].is_string()) throw ApiError(400, "reason", "reason: must be a string");
    reason = body["reason"].get<std::string>();
  }
  pending_or_error(call, step);
  // Decided by the token's holder; the production record is signed by serve's own --signing-key
  // (an offline key stays with `tinymlops loop approve --signing-key`, which never passes a network).
  const std::string by = "api:" + call.token().name;
  try {
    const loop::Approval a = approve ? loop::release_approve(call.registry(), step, by, "", monitor::unix_ms_now())
                                     : loop::release_reject(call.registry(), step, by, reason, monitor::unix_ms_now());
    return api_approval_json(a);
  } catch (const loop::LoopError& e) {
    throw ApiError(409, "step", e.what());  // decided by someone else between the check and the decision
  }
}

std::optional<nlohmann::json> loop_history(ApiCall& call) {
  loop::LoopSteps steps(call.registry().db());
  nlohmann::json list = nlohmann::json::array();
  for (const loop::LoopStep& s : steps.list(call.query("group").value_or(""))) list.push_back(api_loop_step_json(s));
  nlohmann::json approvals = nlohmann::json::array();
  for (const loop::Approval& a : loop::Approvals(call.registry().db()).list(call.query("group").value_or(""))) {
    approvals.push_back(api_approval_json(a));
  }
  return nlohmann::json{{"steps", list}, {"approvals", approvals}};
}

}  // namespace

void api_routes_releases(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", R"(/api/v1/rollouts)", ApiRole::kApiRoleRead, list_rollouts});
  routes.push_back({"GET", R"(/api/v1/rollouts/([^/]+))", ApiRole::kApiRoleRead, one_rollout});
  for (const auto action : {deploy::RolloutAction::kRolloutActionPause, deploy::RolloutAction::kRolloutActionResume,
                            deploy::RolloutAction::kRolloutActionCancel}) {
    routes.push_back({"POST", std::string(R"(/api/v1/rollouts/([^/]+)/)") + deploy::rollout_action_to_string(action),
                      ApiRole::kApiRoleAdmin, [action](ApiCall& c) { return control_rollout(c, action); }});
  }
  routes.push_back({"GET", R"(/api/v1/approvals)", ApiRole::kApiRoleRead, list_approvals});
  routes.push_back({"POST", R"(/api/v1/approvals/([^/]+)/approve)", ApiRole::kApiRoleAdmin,
                    [](ApiCall& c) { return decide(c, true); }});
  routes.push_back({"POST", R"(/api/v1/approvals/([^/]+)/reject)", ApiRole::kApiRoleAdmin,
                    [](ApiCall& c) { return decide(c, false); }});
  routes.push_back({"GET", R"(/api/v1/loop/history)", ApiRole::kApiRoleRead, loop_history});
}

}  // namespace tmf::api
