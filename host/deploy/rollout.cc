// The rollout engine (see rollout.h): stages over the group, the operator's pause and cancel,
// rollback of a failed stage and the result. One thread runs the protocol; what each device says
// and the periodic tick are handled in rollout_devices.cc.
#include "host/deploy/rollout.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "device/agent/protocol.h"
#include "host/deploy/deploy_record.h"
#include "host/deploy/rollout_engine.h"
#include "host/fleet/link.h"
#include "host/deploy/update_package.h"

namespace tmf::deploy {
namespace {

// Whether a device's INFO lists `key_id_hex` among its trusted keys (untrusted: a device claiming
// a key it lacks only fails its own update).
bool info_trusts(const fleet::DeviceRecord* r, const std::string& key_id_hex) {
  if (!r || !r->info) return false;
  for (uint32_t k = 0; k < r->info->key_count && k < kOtaMaxKeys; ++k) {
    if (hex_encode(r->info->key_ids[k], 32) == key_id_hex) return true;
  }
  return false;
}

}  // namespace

namespace rollout_internal {

registry::DeploymentState Rollout::poll_control(bool now) {
  if (!now && seconds_since(last_control_) < 0.2) return control_;
  last_control_ = Clock::now();
  const auto d = reg_.find_deployment(deployment_);
  if (!d) return control_;
  if (d->state != control_) {
    if (d->state == registry::DeploymentState::kPaused) {
      log("deployment " + std::to_string(deployment_) + " " + d->reason + ": devices in flight finish, no device is offered more until it is resumed");
    } else if (d->state == registry::DeploymentState::kRunning && control_ == registry::DeploymentState::kPaused) {
      log("deployment " + std::to_string(deployment_) + " resumed");
      stage_started_ = Clock::now();  // a device offered now gets the whole stage timeout
    } else if (d->state == registry::DeploymentState::kCancelled) {
      log("deployment " + std::to_string(deployment_) + " " + d->reason + ": nothing more is offered; devices already updated keep the model");
    }
    control_ = d->state;
    control_reason_ = d->reason;
  }
  return control_;
}

bool Rollout::wait_while_paused() {
  while (poll_control() == registry::DeploymentState::kPaused) pump(0.1);
  return control_ != registry::DeploymentState::kCancelled;
}

void Rollout::offer_waiting(const std::vector<std::string>& devices) {
  for (const std::string& id : devices) {
    DeviceRun& d = runs_[id];
    if (!d.awaiting_offer) continue;
    // Checked before every offer: a pause takes effect within one device step.
    if (poll_control(true) != registry::DeploymentState::kRunning) return;
    d.awaiting_offer = false;
    offer(d);
  }
}

// hawkBit's cancel: no further assignment. Downloads in flight are told to stop (the device keeps
// its previous model); a device that already switched keeps the new model (cancel never rolls back).
void Rollout::cancel_stage(const std::vector<std::string>& devices) {
  for (const std::string& id : devices) {
    DeviceRun& d = runs_[id];
    if (registry::terminal(d.row.state) || d.row.state == kRollingBack) continue;
    d.awaiting_offer = false;
    switch (d.row.state) {
      case kPending:
        set_state(d, kCancelled, "not offered: rollout cancelled; keeps its previous model");
        break;
      case kOffered:
      case kDownloading:
      case kVerified:
        send_command(id, OtaCommand{OtaCommandCode::kOtaCommandCancel, variants_.at(d.variant).update_id, 0});
        set_state(d, kCancelled, "rollout cancelled: download stopped; keeps its previous model");
        break;
      default:
        set_state(d, kCancelled, std::string("rollout cancelled in state ") + registry::to_string(d.row.state) +
                                     ": keeps the new model unless its own self-test reverts it");
        break;
    }
  }
  flush();
}

void Rollout::run_stage(int stage, const std::vector<std::string>& devices) {
  stage_started_ = Clock::now();
  log("stage " + std::to_string(stage + 1) + ": " + std::to_string(devices.size()) + " device(s)");
  for (const std::string& id : devices) {
    DeviceRun& d = runs_[id];
    d.in_stage = true;
    d.row.device = id;
    d.row.stage = stage;
    if (registry::terminal(d.row.state)) continue;  // resumed deployment: this device is done
    if (!choose_variant(d)) continue;
    // A device with nothing sent yet (new here, or pending in a resumed deployment).
    if (variants_.size() > 1 && d.row.state == kPending) log(id + ": variant " + variants_[d.variant].label());
    const fleet::DeviceRecord* live = record(id);
    if (d.row.state == kPending) {
      if (live && live->status) {
        d.row.previous_model_id = live->status->active_model_id;
        d.row.previous_version = live->status->active_model_version;
      }
      d.dirty = true;
    }
    if (d.row.state == kPending && runs_target(id)) {
      set_state(d, kHealthy, "already runs this version");
      continue;
    }
    if (d.row.state == kConfirmed) {
      d.confirmed_at = Clock::now();  // resumed mid-gate: observe again
      continue;
    }
    if (d.row.state == kRollingBack) continue;
    d.awaiting_offer = true;
  }
  offer_waiting(devices);
  flush();
  for (;;) {
    const registry::DeploymentState control = poll_control();
    if (control == registry::DeploymentState::kCancelled) {
      cancel_stage(devices);
      break;
    }
    if (control == registry::DeploymentState::kRunning) offer_waiting(devices);
    bool done = true;
    for (const std::string& id : devices) done = done && registry::terminal(runs_[id].row.state);
    if (done) break;
    pump(0.1);
  }
  flush();
}

void Rollout::roll_back_stage(int stage) {
  // Every device of the stage that may run the new model goes back to its previous one.
  for (auto& [id, d] : runs_) {
    if (!d.in_stage || d.row.stage != stage) continue;
    const bool on_new = runs_target(id) || d.row.state == kHealthy || d.row.state == kConfirmed;
    if (!on_new) {
      // Stop downloads still running; their old model keeps running.
      if (!registry::terminal(d.row.state)) {
        send_command(id, OtaCommand{OtaCommandCode::kOtaCommandCancel, variants_.at(d.variant).update_id, 0});
        set_state(d, kFailed, "cancelled: stage halted");
      }
      continue;
    }
    if (d.row.previous_model_id.value_or(0) == 0) {
      set_state(d, kFailed, "cannot roll back: no previous model");
      continue;
    }
    set_state(d, kRollingBack);
    d.revert_sent_at = Clock::now() - std::chrono::hours(1);  // send at the next tick
  }
  stage_started_ = Clock::now();
  for (;;) {
    bool done = true;
    for (auto& [id, d] : runs_) done = done && !(d.in_stage && d.row.state == kRollingBack);
    if (done) break;
    pump(0.1);
  }
  flush();
}

RolloutResult Rollout::run() {
  const auto started = Clock::now();
  for (Variant& v : variants_) {
    v.package = update_package_build(opt_.file.empty() ? reg_.artifact_bytes(v.version) : opt_.file, opt_.chunk_bytes, v.label());
  }

  // Resume a running deployment of this version and group, else start one.
  nlohmann::json stages_json = opt_.stages;
  nlohmann::json gates_json = {{"gate_seconds", opt_.gate_seconds},
                               {"max_failures", opt_.max_failures},
                               {"max_alarm_rate", std::isfinite(opt_.max_alarm_rate) ? nlohmann::json(opt_.max_alarm_rate) : nlohmann::json(nullptr)},
                               {"max_dropped_batches", opt_.max_dropped_batches},
                               {"max_reboots", opt_.max_reboots},
                               {"max_inference_cycles", opt_.max_inference_cycles},
                               {"min_telemetry_batches", opt_.min_telemetry_batches}};
  std::optional<registry::DeploymentInfo> deployment;
  for (const auto& d : reg_.list_deployments()) {
    // Running or paused (by an operator, maybe while no process ran it): this one goes on.
    if (registry::deployment_open(d.state) && d.version_id == version_.id && d.group == opt_.group) deployment = d;
  }
  if (deployment) {
    log("resuming deployment " + std::to_string(deployment->id) + " at stage " + std::to_string(deployment->current_stage + 1) +
        (deployment->state == registry::DeploymentState::kPaused ? " (" + deployment->reason + "; waiting for resume or cancel)" : ""));
    opt_.stages = nlohmann::json::parse(deployment->stages_json).get<std::vector<std::string>>();
    for (const auto& row : reg_.deployment_devices(deployment->id)) runs_[row.device].row = row;
  } else {
    registry::Transaction tx(reg_.db());
    const int64_t id = reg_.create_deployment(version_.id, opt_.group, stages_json.dump(), gates_json.dump());
    tx.commit();
    deployment = reg_.find_deployment(id);
  }
  deployment_ = deployment->id;
  for (Variant& v : variants_) {
    // Distinct per variant (the artifact differs); the first is what a single-model deploy uses.
    v.update_id = rollout_update_id(*deployment, v.version.artifact);
    v.manifest = v.package.manifest_bytes(
        v.update_id, deploy_record_for(reg_, deployment_, v.version.artifact, v.package.manifest,
                                       {opt_.fleet, opt_.group, 0, opt_.security_counter}, opt_.record_key, opt_.record));
  }
  result_.deployment = deployment_;
  result_.update_id = variants_[0].update_id;

  fleet::FleetLinkOptions link;
  link.fleet = opt_.fleet;
  link.client_id = "tinymlops-deploy-" + std::to_string(deployment_);
  link.broker = opt_.broker;
  link.enrolment = opt_.enrolment;
  link.uplinks = {OtaTopic::kOtaTopicPresence, OtaTopic::kOtaTopicInfo, OtaTopic::kOtaTopicStatus,
                  OtaTopic::kOtaTopicEvent, OtaTopic::kOtaTopicRequest, OtaTopic::kOtaTopicTelemetry};
  link_ = std::make_unique<fleet::FleetLink>(std::move(link));
  link_->client().require_connected(std::chrono::seconds(10));
  pump(opt_.discover_seconds);
  flush();

  // The group: its devices known to the link and to the registry, each counted only where its
  // enrolment (or, on an open lab link, its INFO) puts it.
  std::set<std::string> members;
  if (link_->enrolment_enforced()) {
    // Enrolled devices of the group, and nothing a message can add: a forged INFO never makes a
    // canary.
    for (const auto& e : reg_.devices_enrolled(opt_.group)) members.insert(e.id);
  } else {
    for (const auto& [id, r] : link_->devices()) {
      if (link_->enrolled_group(id) == opt_.group) members.insert(id);
    }
    for (const auto& d : reg_.list_devices(opt_.group)) members.insert(d.id);
  }
  if (!opt_.member_key_id.empty()) std::erase_if(members, [&](const std::string& id) { return !info_trusts(record(id), opt_.member_key_id); });
  for (const auto& [id, run] : runs_) members.insert(id);
  const std::vector<std::string> ordered(members.begin(), members.end());
  if (ordered.empty()) {
    throw std::runtime_error("group '" + opt_.group + "': no devices (" +
                             (opt_.member_key_id.empty() ? "none announced on the broker)"
                                                         : "none lists trusted key " + opt_.member_key_id + " in its INFO)"));
  }
  const std::vector<uint32_t> sizes = rollout_stage_sizes(opt_.stages, static_cast<uint32_t>(ordered.size()));
  log("deployment " + std::to_string(deployment_) + ": " + version_.name + ":" + std::to_string(version_.version) +
      " to " + std::to_string(ordered.size()) + " device(s) of group " + opt_.group + ", update_id " + std::to_string(variants_[0].update_id) +
      (variants_.size() > 1 ? " (" + std::to_string(variants_.size()) + " variants)" : ""));

  registry::DeploymentState final_state = registry::DeploymentState::kCompleted;
  std::string reason;
  uint32_t begin = 0;
  for (int stage = 0; stage < static_cast<int>(sizes.size()); ++stage) {
    const uint32_t end = sizes[stage];
    std::vector<std::string> devices(ordered.begin() + begin, ordered.begin() + end);
    begin = std::max(begin, end);
    if (stage < deployment->current_stage) {
      for (const auto& id : devices) runs_[id].in_stage = true;
      continue;
    }
    if (!wait_while_paused()) break;  // a paused rollout starts no stage
    {
      registry::Transaction tx(reg_.db());
      reg_.set_deployment_stage(deployment_, stage);
      tx.commit();
    }
    if (devices.empty()) continue;
    run_stage(stage, devices);
    if (control_ == registry::DeploymentState::kCancelled) break;
    uint32_t failed = 0;
    for (const auto& id : devices) failed += runs_[id].row.state == kFailed;
    if (failed > opt_.max_failures) {
      reason = "stage " + std::to_string(stage + 1) + ": " + std::to_string(failed) + " of " + std::to_string(devices.size()) +
               " device(s) failed (max " + std::to_string(opt_.max_failures) + "); halted and rolled back";
      log(reason);
      roll_back_stage(stage);
      final_state = registry::DeploymentState::kRolledBack;
      registry::Transaction tx(reg_.db());
      // Recorded even over an operator's cancel: the devices did go back.
      reg_.transition_deployment(deployment_, {registry::DeploymentState::kRunning, registry::DeploymentState::kPaused,
                                               registry::DeploymentState::kCancelled}, final_state, reason);
      tx.commit();
      break;
    }
  }
  if (final_state == registry::DeploymentState::kCompleted) {
    registry::Transaction tx(reg_.db());
    // Every device is done; a pause that came at the last moment has nothing left to hold. A
    // cancelled rollout keeps the stage it stopped at.
    const bool completed = control_ != registry::DeploymentState::kCancelled &&
                           reg_.transition_deployment(deployment_, {registry::DeploymentState::kRunning, registry::DeploymentState::kPaused},
                                                      final_state, "");
    if (completed) reg_.set_deployment_stage(deployment_, static_cast<int>(sizes.size()) - 1);
    tx.commit();
    if (!completed) {
      poll_control(true);
      final_state = registry::DeploymentState::kCancelled;
      reason = control_reason_;
    }
  }
  pump(0.2);  // let the last status messages land in the registry
  flush();

  result_.state = final_state;
  result_.reason = reason;
  result_.seconds = seconds_since(started);
  if (first_offer_ && last_confirm_) result_.update_seconds = std::chrono::duration<double>(*last_confirm_ - *first_offer_).count();
  for (const auto& [id, d] : runs_) {
    if (!d.in_stage) continue;
    result_.devices += 1;
    result_.healthy += d.row.state == kHealthy;
    result_.failed += d.row.state == kFailed;
    result_.rolled_back += d.row.state == kRolledBack;
    result_.refused += d.row.state == kRefused;
    result_.cancelled += d.row.state == kCancelled;
    result_.assigned[id] = d.row.state == kRefused ? "" : variants_.at(d.variant).label();
    if (d.row.state == kRefused) result_.refusals[id] = d.row.detail;
  }
  result_.broker_reconnects = link_->client().connect_count() > 0 ? link_->client().connect_count() - 1 : 0;
  result_.link = link_->counters();
  return result_;
}

}  // namespace rollout_internal

RolloutResult rollout_run(registry::Registry& registry, const registry::VersionInfo& version,
                          const RolloutOptions& options) {
  rollout_internal::Rollout rollout(registry, {version}, options, false);
  return rollout.run();
}

RolloutResult rollout_run_variants(registry::Registry& registry, const std::vector<registry::VersionInfo>& variants,
                                   const RolloutOptions& options) {
  if (variants.empty()) throw std::invalid_argument("--variant: no variant given");
  rollout_internal::Rollout rollout(registry, variants, options, true);
  return rollout.run();
}

}  // namespace tmf::deploy
