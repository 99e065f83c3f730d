// The rollout engine (see rollout.h). One thread runs the protocol: typed device events arrive
// from the fleet link, a periodic tick drives resends, gates, timeouts and registry writes.
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
#include "host/deploy/health_gate.h"
#include "host/fleet/link.h"
#include "host/deploy/update_package.h"

namespace tmf::deploy {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Per-device states of a deployment (deployment_devices.state; registry/deployment_state.h).
using State = registry::DeviceRolloutState;
using enum registry::DeviceRolloutState;

// Whether a device's INFO lists `key_id_hex` among its trusted keys (untrusted: a device claiming
// a key it lacks only fails its own update).
bool info_trusts(const fleet::DeviceRecord* r, const std::string& key_id_hex) {
  if (!r || !r->info) return false;
  for (uint32_t k = 0; k < r->info->key_count && k < kOtaMaxKeys; ++k) {
    if (hex_encode(r->info->key_ids[k], 32) == key_id_hex) return true;
  }
  return false;
}

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

const Variant& Rollout::variant_of(const std::string& id) const {
  const auto it = runs_.find(id);
  return variants_.at(it == runs_.end() ? 0 : it->second.variant);
}

bool Rollout::runs_target(const std::string& id) const {
  const fleet::DeviceRecord* r = record(id);
  const registry::VersionInfo& v = variant_of(id).version;
  return r && r->status && r->status->active_model_id == v.model_id && r->status->active_model_version == v.version;
}

// Picks the first variant the device's reported hardware takes; false (row refused) if none.
bool Rollout::choose_variant(DeviceRun& d) {
  if (!fit_check_) return true;
  const fleet::DeviceRecord* live = record(d.row.device);
  if (!live || !live->info) {
    set_state(d, kRefused, "no variant sent: the device has not reported its hardware (INFO)");
    return false;
  }
  std::string why;
  for (size_t i = 0; i < variants_.size(); ++i) {
    const std::string misfit = variant_misfit(variants_[i].package.manifest, *live->info);
    if (misfit.empty()) {
      d.variant = i;
      return true;
    }
    why += (why.empty() ? "" : "; ") + variants_[i].label() + " " + misfit;
  }
  set_state(d, kRefused, "no variant fits: " + why);
  return false;
}

void Rollout::set_state(DeviceRun& d, State state, const std::string& detail, std::optional<int64_t> result) {
  if (d.row.state != state) {
    log(d.row.device + ": " + registry::to_string(d.row.state) + " -> " + registry::to_string(state) +
        (detail.empty() ? "" : " (" + detail + ")"));
  }
  d.row.state = state;
  if (!detail.empty()) d.row.detail = detail;
  if (result) d.row.result_code = result;
  d.last_activity = Clock::now();
  d.dirty = true;
}

void Rollout::offer(DeviceRun& d) {
  const std::vector<uint8_t>& manifest = variants_.at(d.variant).manifest;
  link_->publish(d.row.device, OtaTopic::kOtaTopicManifest, manifest.data(), manifest.size(), 1);
  if (!first_offer_) first_offer_ = Clock::now();
  d.last_activity = Clock::now();
  if (d.row.state == kPending) set_state(d, kOffered);
}

void Rollout::handle(fleet::FleetEvent& e) {
  const std::string& id = e.device;
  if (const auto* presence = std::get_if<fleet::PresenceMessage>(&e.message)) {
    const bool came_back = presence->online && !was_online_[id];
    was_online_[id] = presence->online;
    auto it = runs_.find(id);
    // A device that reconnects mid-download resumes by itself; the manifest is repeated in case
    // the first one was lost with a broker restart (same update_id: the device resumes).
    if (came_back && it != runs_.end() && it->second.in_stage &&
        (it->second.row.state == kOffered || it->second.row.state == kDownloading)) {
      offer(it->second);
    }
  } else if (std::get_if<OtaStatusMessage>(&e.message)) {
    auto it = runs_.find(id);
    if (it != runs_.end() && it->second.row.state == kRollingBack && !runs_target(id)) {
      set_state(it->second, kRolledBack, "reverted to previous model");
    }
  } else if (const auto* event = std::get_if<OtaEventMessage>(&e.message)) {
    handle_event(id, *event);
  } else if (const auto* request = std::get_if<OtaChunkRequest>(&e.message)) {
    handle_request(id, *request);
  } else if (const auto* t = std::get_if<OtaTelemetry>(&e.message)) {
    auto it = runs_.find(id);
    if (it != runs_.end() && it->second.in_stage && it->second.row.state == kConfirmed) gate_telemetry(it->second, *t);
  }
}

void Rollout::gate_telemetry(DeviceRun& d, const OtaTelemetry& t) {
  // Only batches of the new model judge it (a batch sent before the switch reports the old one).
  const registry::VersionInfo& v = variants_.at(d.variant).version;
  if (t.model_id == v.model_id && t.model_version == v.version) d.gate.add(t);
}


void Rollout::handle_event(const std::string& id, const OtaEventMessage& e) {
  auto it = runs_.find(id);
  if (it == runs_.end() || !it->second.in_stage) return;
  DeviceRun& d = it->second;
  const auto result = static_cast<int64_t>(e.result);
  if (d.row.state == kRollingBack) {
    if (e.event == OtaEvent::kOtaEventReverted) set_state(d, kRolledBack, "reverted to previous model", result);
    if (e.event == OtaEvent::kOtaEventRejected) set_state(d, kFailed, std::string("revert refused: ") + ota_result_to_string(e.result), result);
    return;
  }
  if (e.update_id != variants_.at(d.variant).update_id || registry::terminal(d.row.state)) return;
  switch (e.event) {
    case OtaEvent::kOtaEventAccepted:
    case OtaEvent::kOtaEventResumed:
      set_state(d, kDownloading);
      break;
    case OtaEvent::kOtaEventVerified:
      set_state(d, kVerified);
      break;
    case OtaEvent::kOtaEventTrial:
      set_state(d, kTrial);
      break;
    case OtaEvent::kOtaEventConfirmed:
      d.confirmed_at = Clock::now();
      last_confirm_ = d.confirmed_at;
      set_state(d, kConfirmed, "self-test passed", result);
      break;
    case OtaEvent::kOtaEventReverted:
    case OtaEvent::kOtaEventCancelled:
      set_state(d, kFailed, std::string(ota_event_to_string(e.event)) + ": " + ota_result_to_string(e.result), result);
      break;
    case OtaEvent::kOtaEventRejected:
      // "Busy in trial" (result 8 while a trial runs) is answered by re-sending later.
      if (e.result == OtaResult::kOtaResultUpdateFailed && e.state == OtaState::kOtaStateTrial) break;
      set_state(d, kFailed, std::string("rejected: ") + ota_result_to_string(e.result) +
                                (e.detail ? " (detail " + std::to_string(e.detail) + ")" : ""), result);
      break;
  }
}

void Rollout::handle_request(const std::string& id, const OtaChunkRequest& r) {
  auto it = runs_.find(id);
  if (it == runs_.end() || !it->second.in_stage) return;
  DeviceRun& d = it->second;
  const Variant& v = variants_.at(d.variant);
  if (r.update_id != v.update_id) return;
  if (registry::terminal(d.row.state) || d.row.state == kRollingBack) return;
  for (uint32_t i = 0; i < r.range_count; ++i) {
    const std::vector<uint8_t> chunk = update_package_chunk(v.package, v.update_id, r.ranges[i].offset, r.ranges[i].length);
    if (chunk.empty()) continue;
    link_->publish(id, OtaTopic::kOtaTopicChunk, chunk.data(), chunk.size(), 0);
    d.row.chunks_sent += 1;
    d.row.bytes_sent += chunk.size() - kOtaChunkHeaderBytes;
    result_.chunks_sent += 1;
    result_.bytes_sent += chunk.size() - kOtaChunkHeaderBytes;
    if (!d.offsets_sent.insert(r.ranges[i].offset).second) result_.chunks_resent += 1;
  }
  if (d.row.state == kOffered || d.row.state == kPending) set_state(d, kDownloading);
  d.row.detail = std::to_string(r.confirmed_bytes) + "/" + std::to_string(v.package.file.size()) + " bytes";
  d.last_activity = Clock::now();
  d.dirty = true;
}

void Rollout::tick() {
  const auto now = Clock::now();
  for (auto& [id, d] : runs_) {
    if (!d.in_stage) continue;
    const double idle = std::chrono::duration<double>(now - d.last_activity).count();
    const bool live_online = online(id);
    // Silent in any unfinished state, trial included (its 'confirmed' EVENT may have been lost:
    // the device answers the repeated manifest with 'confirmed' again): offer again.
    if ((d.row.state == kOffered || d.row.state == kDownloading || d.row.state == kVerified ||
         d.row.state == kTrial) &&
        idle > opt_.resend_seconds && live_online) {
      offer(d);
    } else if (d.row.state == kConfirmed) {
      // Health gate: the device's own telemetry within bounds at any time in the window; at its
      // end the device must be online and report the new model as active.
      const std::string broken = health_gate_verdict(d.gate, opt_);
      if (!broken.empty()) {
        set_state(d, kFailed, broken);
      } else if (std::chrono::duration<double>(now - d.confirmed_at).count() >= opt_.gate_seconds) {
        const bool reporting = live_online && runs_target(id);
        if (!reporting && d.status_requests < 3) {
          // A lossy link may have eaten the retained status: ask again before judging.
          if (d.status_requests == 0 || std::chrono::duration<double>(now - d.status_requested_at).count() > opt_.resend_seconds) {
            send_command(id, OtaCommand{OtaCommandCode::kOtaCommandPublishStatus, 0, 0});
            d.status_requested_at = now;
            d.status_requests += 1;
          }
        } else if (!reporting && std::chrono::duration<double>(now - d.status_requested_at).count() <= opt_.resend_seconds) {
          // the last status request is still in flight
        } else if (!live_online) {
          set_state(d, kFailed, "health gate: device not online after confirm");
        } else if (!runs_target(id)) {
          set_state(d, kFailed, "health gate: device does not report the new model as active");
        } else if (d.gate.batches < opt_.min_telemetry_batches) {
          set_state(d, kFailed, "health gate: " + std::to_string(d.gate.batches) + " telemetry batch(es) with the new model in the gate window (min " +
                                    std::to_string(opt_.min_telemetry_batches) + ")");
        } else {
          set_state(d, kHealthy, "health gate passed");
        }
      }
    } else if (d.row.state == kRollingBack && std::chrono::duration<double>(now - d.revert_sent_at).count() > opt_.resend_seconds) {
      send_command(id, OtaCommand{OtaCommandCode::kOtaCommandRevert, 0, 0});
      d.revert_sent_at = now;
    }
    if (!registry::terminal(d.row.state) && !d.awaiting_offer && seconds_since(stage_started_) > opt_.stage_timeout_seconds) {
      set_state(d, kFailed, std::string("timed out in state ") + registry::to_string(d.row.state));
    }
  }
  if (std::chrono::duration<double>(now - last_flush_).count() > 0.5) flush();
}

void Rollout::flush() {
  last_flush_ = Clock::now();
  registry::Transaction tx(reg_.db());
  link_->write_devices(reg_);
  for (auto& [id, d] : runs_) {
    if (!d.dirty) continue;
    reg_.upsert_deployment_device(deployment_, d.row);
    d.dirty = false;
  }
  tx.commit();
}

void Rollout::pump(double seconds) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    if (auto e = link_->next(std::chrono::milliseconds(20))) handle(*e);
    if (seconds_since(last_tick_) > 0.05) {
      last_tick_ = Clock::now();
      tick();
    }
  }
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

}  // namespace

RolloutResult rollout_run(registry::Registry& registry, const registry::VersionInfo& version,
                          const RolloutOptions& options) {
  Rollout rollout(registry, {version}, options, false);
  return rollout.run();
}

RolloutResult rollout_run_variants(registry::Registry& registry, const std::vector<registry::VersionInfo>& variants,
                                   const RolloutOptions& options) {
  if (variants.empty()) throw std::invalid_argument("--variant: no variant given");
  Rollout rollout(registry, variants, options, true);
  return rollout.run();
}

}  // namespace tmf::deploy
