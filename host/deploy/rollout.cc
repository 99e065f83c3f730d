// The rollout engine (see rollout.h). One thread runs the protocol: MQTT messages arrive through
// MqttClient's queue, a periodic tick drives resends, gates, timeouts and registry writes.
#include "host/deploy/rollout.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "device/agent/protocol.h"
#include "host/deploy/mqtt_client.h"
#include "host/deploy/deploy_record.h"
#include "host/deploy/update_package.h"

namespace tmf::deploy {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Per-device states of a deployment (deployment_devices.state).
constexpr const char* kPending = "pending";
constexpr const char* kOffered = "offered";
constexpr const char* kDownloading = "downloading";
constexpr const char* kVerified = "verified";
constexpr const char* kTrial = "trial";
constexpr const char* kConfirmed = "confirmed";  // running the new model, health gate open
constexpr const char* kHealthy = "healthy";
constexpr const char* kFailed = "failed";
constexpr const char* kRollingBack = "rolling_back";
constexpr const char* kRolledBack = "rolled_back";
constexpr const char* kRefused = "refused";  // fleet-aware deploy: no variant fits the device

bool state_terminal(const std::string& s) {
  return s == kHealthy || s == kFailed || s == kRolledBack || s == kRefused;
}

// What the broker tells us about a device (retained info/status/presence plus live events).
struct LiveDevice {
  bool has_info = false;
  OtaInfo info{};
  std::string group, core;
  uint64_t ram_bytes = 0, flash_bytes = 0;
  bool online = false;
  bool has_status = false;
  OtaStatusMessage status{};
};

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
  bool health_seen = false;
  double anomaly_rate = 0, latency_ms = 0;  // worst health sample in the gate window
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
  std::string topic(const std::string& device, OtaTopic leaf) const {
    return "tmf/" + opt_.fleet + "/" + device + "/" + ota_topic_leaf(leaf);
  }
  void pump(double seconds);
  void handle(const MqttMessage& m);
  void handle_event(const std::string& id, const OtaEventMessage& e);
  void handle_request(const std::string& id, const OtaChunkRequest& r);
  void tick();
  void flush();
  void set_state(DeviceRun& d, const std::string& state, const std::string& detail = "",
                 std::optional<int64_t> result = std::nullopt);
  void offer(DeviceRun& d);
  bool runs_target(const std::string& id) const;
  const Variant& variant_of(const std::string& id) const;
  bool choose_variant(DeviceRun& d);
  void run_stage(int stage, const std::vector<std::string>& devices);
  void roll_back_stage(int stage);

  registry::Registry& reg_;
  registry::VersionInfo version_;
  RolloutOptions opt_;
  bool fit_check_ = false;
  std::vector<Variant> variants_;
  std::unique_ptr<MqttClient> mqtt_;
  int64_t deployment_ = 0;
  std::map<std::string, LiveDevice> live_;
  std::map<std::string, DeviceRun> runs_;
  std::set<std::string> registry_dirty_;  // devices whose info/status/presence changed
  Clock::time_point last_tick_{}, last_flush_{};
  Clock::time_point stage_started_{};
  std::optional<Clock::time_point> first_offer_, last_confirm_;
  RolloutResult result_;
};

const Variant& Rollout::variant_of(const std::string& id) const {
  const auto it = runs_.find(id);
  return variants_.at(it == runs_.end() ? 0 : it->second.variant);
}

bool Rollout::runs_target(const std::string& id) const {
  const auto it = live_.find(id);
  const registry::VersionInfo& v = variant_of(id).version;
  return it != live_.end() && it->second.has_status && it->second.status.active_model_id == v.model_id &&
         it->second.status.active_model_version == v.version;
}

// Picks the first variant the device's reported hardware takes; false (row refused) if none.
bool Rollout::choose_variant(DeviceRun& d) {
  if (!fit_check_) return true;
  const LiveDevice& live = live_[d.row.device];
  if (!live.has_info) {
    set_state(d, kRefused, "no variant sent: the device has not reported its hardware (INFO)");
    return false;
  }
  std::string why;
  for (size_t i = 0; i < variants_.size(); ++i) {
    const std::string misfit = variant_misfit(variants_[i].package.manifest, live.info);
    if (misfit.empty()) {
      d.variant = i;
      return true;
    }
    why += (why.empty() ? "" : "; ") + variants_[i].label() + " " + misfit;
  }
  set_state(d, kRefused, "no variant fits: " + why);
  return false;
}

void Rollout::set_state(DeviceRun& d, const std::string& state, const std::string& detail,
                        std::optional<int64_t> result) {
  if (d.row.state != state) log(d.row.device + ": " + d.row.state + " -> " + state + (detail.empty() ? "" : " (" + detail + ")"));
  d.row.state = state;
  if (!detail.empty()) d.row.detail = detail;
  if (result) d.row.result_code = result;
  d.last_activity = Clock::now();
  d.dirty = true;
}

void Rollout::offer(DeviceRun& d) {
  const std::vector<uint8_t>& manifest = variants_.at(d.variant).manifest;
  mqtt_->publish(topic(d.row.device, OtaTopic::kOtaTopicManifest), manifest.data(), manifest.size(), 1, false);
  if (!first_offer_) first_offer_ = Clock::now();
  d.last_activity = Clock::now();
  if (d.row.state == kPending) set_state(d, kOffered);
}

void Rollout::handle(const MqttMessage& m) {
  // tmf/<fleet>/<device>/<leaf>
  const std::string prefix = "tmf/" + opt_.fleet + "/";
  if (m.topic.compare(0, prefix.size(), prefix) != 0) return;
  const size_t slash = m.topic.find('/', prefix.size());
  if (slash == std::string::npos) return;
  const std::string id = m.topic.substr(prefix.size(), slash - prefix.size());
  const std::string leaf = m.topic.substr(slash + 1);
  LiveDevice& live = live_[id];
  const uint8_t* p = m.payload.data();
  const size_t n = m.payload.size();
  if (leaf == "info") {
    OtaInfo info{};
    if (ota_info_decode(p, n, &info) != OtaDecodeStatus::kOtaDecodeOk) return;
    live.has_info = true;
    live.info = info;
    live.group = info.group;
    live.core = info.core;
    live.ram_bytes = info.ram_bytes;
    live.flash_bytes = info.flash_bytes;
    registry_dirty_.insert(id);
  } else if (leaf == "presence") {
    bool online = false;
    if (ota_presence_decode(p, n, &online) != OtaDecodeStatus::kOtaDecodeOk) return;
    const bool came_back = online && !live.online;
    live.online = online;
    registry_dirty_.insert(id);
    auto it = runs_.find(id);
    // A device that reconnects mid-download resumes by itself; the manifest is repeated in case
    // the first one was lost with a broker restart (same update_id: the device resumes).
    if (came_back && it != runs_.end() && it->second.in_stage &&
        (it->second.row.state == kOffered || it->second.row.state == kDownloading)) {
      offer(it->second);
    }
  } else if (leaf == "status") {
    OtaStatusMessage status{};
    if (ota_status_decode(p, n, &status) != OtaDecodeStatus::kOtaDecodeOk) return;
    live.has_status = true;
    live.status = status;
    registry_dirty_.insert(id);
    auto it = runs_.find(id);
    if (it != runs_.end() && it->second.row.state == kRollingBack && !runs_target(id)) {
      set_state(it->second, kRolledBack, "reverted to previous model");
    }
  } else if (leaf == "event") {
    OtaEventMessage e{};
    if (ota_event_decode(p, n, &e) != OtaDecodeStatus::kOtaDecodeOk) return;
    handle_event(id, e);
  } else if (leaf == "request") {
    OtaChunkRequest r{};
    if (ota_chunk_request_decode(p, n, &r) != OtaDecodeStatus::kOtaDecodeOk) return;
    handle_request(id, r);
  } else if (leaf == "health") {
    // Health samples (anomaly rate, latency) from the monitoring side: JSON, see docs/deploy.md.
    const auto j = nlohmann::json::parse(m.payload.begin(), m.payload.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    // Only samples taken while the new model runs (gate window open) judge it.
    auto it = runs_.find(id);
    if (it == runs_.end() || it->second.row.state != kConfirmed) return;
    DeviceRun& d = it->second;
    d.health_seen = true;
    d.anomaly_rate = std::max(d.anomaly_rate, j.value("anomaly_rate", 0.0));
    d.latency_ms = std::max(d.latency_ms, j.value("latency_ms", 0.0));
  }
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
  if (e.update_id != variants_.at(d.variant).update_id || state_terminal(d.row.state)) return;
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
  if (state_terminal(d.row.state) || d.row.state == kRollingBack) return;
  for (uint32_t i = 0; i < r.range_count; ++i) {
    const std::vector<uint8_t> chunk = update_package_chunk(v.package, v.update_id, r.ranges[i].offset, r.ranges[i].length);
    if (chunk.empty()) continue;
    mqtt_->publish(topic(id, OtaTopic::kOtaTopicChunk), chunk.data(), chunk.size(), 0, false);
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
    const LiveDevice& live = live_[id];
    // Silent in any unfinished state, trial included (its 'confirmed' EVENT may have been lost:
    // the device answers the repeated manifest with 'confirmed' again): offer again.
    if ((d.row.state == kOffered || d.row.state == kDownloading || d.row.state == kVerified ||
         d.row.state == kTrial) &&
        idle > opt_.resend_seconds && live.online) {
      offer(d);
    } else if (d.row.state == kConfirmed) {
      // Health gate: anomaly rate and latency within bounds at any time in the window; at its
      // end the device must be online and report the new model as active.
      if (d.health_seen && (d.anomaly_rate > opt_.max_anomaly_rate || d.latency_ms > opt_.max_latency_ms)) {
        char text[160];
        std::snprintf(text, sizeof text, "health gate: anomaly rate %.3f (max %.3f), latency %.2f ms (max %.2f)",
                      d.anomaly_rate, opt_.max_anomaly_rate, d.latency_ms, opt_.max_latency_ms);
        set_state(d, kFailed, text);
      } else if (std::chrono::duration<double>(now - d.confirmed_at).count() >= opt_.gate_seconds) {
        const bool reporting = live.online && runs_target(id);
        if (!reporting && d.status_requests < 3) {
          // A lossy link may have eaten the retained status: ask again before judging.
          if (d.status_requests == 0 || std::chrono::duration<double>(now - d.status_requested_at).count() > opt_.resend_seconds) {
            const OtaCommand ask{OtaCommandCode::kOtaCommandPublishStatus, 0, 0};
            uint8_t bytes[kOtaCommandBytes];
            const size_t n = ota_command_encode(ask, bytes, sizeof bytes);
            mqtt_->publish(topic(id, OtaTopic::kOtaTopicCommand), bytes, n, 1, false);
            d.status_requested_at = now;
            d.status_requests += 1;
          }
        } else if (!reporting && std::chrono::duration<double>(now - d.status_requested_at).count() <= opt_.resend_seconds) {
          // the last status request is still in flight
        } else if (!live.online) {
          set_state(d, kFailed, "health gate: device not online after confirm");
        } else if (!runs_target(id)) {
          set_state(d, kFailed, "health gate: device does not report the new model as active");
        } else if (opt_.require_health && !d.health_seen) {
          set_state(d, kFailed, "health gate: no health report in the gate window");
        } else {
          set_state(d, kHealthy, "health gate passed");
        }
      }
    } else if (d.row.state == kRollingBack && std::chrono::duration<double>(now - d.revert_sent_at).count() > opt_.resend_seconds) {
      const OtaCommand revert{OtaCommandCode::kOtaCommandRevert, 0, 0};
      uint8_t bytes[kOtaCommandBytes];
      const size_t n = ota_command_encode(revert, bytes, sizeof bytes);
      mqtt_->publish(topic(id, OtaTopic::kOtaTopicCommand), bytes, n, 1, false);
      d.revert_sent_at = now;
    }
    if (!state_terminal(d.row.state) && seconds_since(stage_started_) > opt_.stage_timeout_seconds) {
      set_state(d, kFailed, "timed out in state " + d.row.state);
    }
  }
  if (std::chrono::duration<double>(now - last_flush_).count() > 0.5) flush();
}

void Rollout::flush() {
  last_flush_ = Clock::now();
  bool any = !registry_dirty_.empty();
  for (auto& [id, d] : runs_) any = any || d.dirty;
  if (!any) return;
  registry::Transaction tx(reg_.db());
  for (const std::string& id : registry_dirty_) {
    const LiveDevice& live = live_[id];
    if (live.has_info) reg_.upsert_device(id, live.group, {live.core, live.ram_bytes, live.flash_bytes, 0});
    if (!reg_.find_device(id)) continue;  // no info yet: we do not know its group
    reg_.record_device_presence(id, live.online);
    if (live.has_status && live.status.active_model_id != 0) {
      reg_.record_device_model(id, live.status.active_model_id, live.status.active_model_version);
    }
  }
  registry_dirty_.clear();
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
    if (auto m = mqtt_->next(std::chrono::milliseconds(20))) handle(*m);
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
    if (state_terminal(d.row.state)) continue;  // resumed deployment: this device is done
    if (!choose_variant(d)) continue;
    if (variants_.size() > 1 && d.row.state.empty()) log(id + ": variant " + variants_[d.variant].label());
    const LiveDevice& live = live_[id];
    if (d.row.state.empty() || d.row.state == kPending) {
      d.row.state = kPending;
      if (live.has_status) {
        d.row.previous_model_id = live.status.active_model_id;
        d.row.previous_version = live.status.active_model_version;
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
    offer(d);
  }
  flush();
  for (;;) {
    bool done = true;
    for (const std::string& id : devices) done = done && state_terminal(runs_[id].row.state);
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
      if (!state_terminal(d.row.state)) {
        const OtaCommand cancel{OtaCommandCode::kOtaCommandCancel, variants_.at(d.variant).update_id, 0};
        uint8_t bytes[kOtaCommandBytes];
        const size_t n = ota_command_encode(cancel, bytes, sizeof bytes);
        mqtt_->publish(topic(id, OtaTopic::kOtaTopicCommand), bytes, n, 1, false);
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
  for (Variant& v : variants_) v.package = update_package_build(reg_.artifact_bytes(v.version), opt_.chunk_bytes, v.label());

  // Resume a running deployment of this version and group, else start one.
  nlohmann::json stages_json = opt_.stages;
  nlohmann::json gates_json = {{"gate_seconds", opt_.gate_seconds},
                               {"max_failures", opt_.max_failures},
                               {"max_anomaly_rate", std::isfinite(opt_.max_anomaly_rate) ? nlohmann::json(opt_.max_anomaly_rate) : nlohmann::json(nullptr)},
                               {"max_latency_ms", std::isfinite(opt_.max_latency_ms) ? nlohmann::json(opt_.max_latency_ms) : nlohmann::json(nullptr)},
                               {"require_health", opt_.require_health}};
  std::optional<registry::DeploymentInfo> deployment;
  for (const auto& d : reg_.list_deployments("running")) {
    if (d.version_id == version_.id && d.group == opt_.group) deployment = d;
  }
  if (deployment) {
    log("resuming deployment " + std::to_string(deployment->id) + " at stage " + std::to_string(deployment->current_stage + 1));
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
                                       {opt_.fleet, opt_.group, 0, opt_.security_counter}, opt_.record_key));
  }
  result_.deployment = deployment_;
  result_.update_id = variants_[0].update_id;

  mqtt_ = std::make_unique<MqttClient>("tinymlops-deploy-" + std::to_string(deployment_), opt_.broker_host, opt_.broker_port);
  for (const char* leaf : {"presence", "info", "status", "event", "request", "health"}) {
    mqtt_->subscribe("tmf/" + opt_.fleet + "/+/" + leaf, 1);
  }
  if (!mqtt_->wait_connected(std::chrono::seconds(10))) {
    throw MqttError("mqtt://" + opt_.broker_host + ":" + std::to_string(opt_.broker_port) + ": cannot connect to the broker");
  }
  pump(opt_.discover_seconds);
  flush();

  // The group: devices the broker announced in it, and those the registry knows in it.
  std::set<std::string> members;
  for (const auto& [id, live] : live_) {
    if (live.has_info && live.group == opt_.group) members.insert(id);
  }
  for (const auto& d : reg_.list_devices(opt_.group)) members.insert(d.id);
  for (const auto& [id, run] : runs_) members.insert(id);
  const std::vector<std::string> ordered(members.begin(), members.end());
  if (ordered.empty()) throw std::runtime_error("group '" + opt_.group + "': no devices (none announced on the broker)");
  const std::vector<uint32_t> sizes = rollout_stage_sizes(opt_.stages, static_cast<uint32_t>(ordered.size()));
  log("deployment " + std::to_string(deployment_) + ": " + version_.name + ":" + std::to_string(version_.version) +
      " to " + std::to_string(ordered.size()) + " device(s) of group " + opt_.group + ", update_id " + std::to_string(variants_[0].update_id) +
      (variants_.size() > 1 ? " (" + std::to_string(variants_.size()) + " variants)" : ""));

  std::string final_state = "completed", reason;
  uint32_t begin = 0;
  for (int stage = 0; stage < static_cast<int>(sizes.size()); ++stage) {
    const uint32_t end = sizes[stage];
    std::vector<std::string> devices(ordered.begin() + begin, ordered.begin() + end);
    begin = std::max(begin, end);
    if (stage < deployment->current_stage) {
      for (const auto& id : devices) runs_[id].in_stage = true;
      continue;
    }
    {
      registry::Transaction tx(reg_.db());
      reg_.update_deployment(deployment_, stage, "running", "");
      tx.commit();
    }
    if (devices.empty()) continue;
    run_stage(stage, devices);
    uint32_t failed = 0;
    for (const auto& id : devices) failed += runs_[id].row.state == kFailed;
    if (failed > opt_.max_failures) {
      reason = "stage " + std::to_string(stage + 1) + ": " + std::to_string(failed) + " of " + std::to_string(devices.size()) +
               " device(s) failed (max " + std::to_string(opt_.max_failures) + "); halted and rolled back";
      log(reason);
      roll_back_stage(stage);
      final_state = "rolled_back";
      registry::Transaction tx(reg_.db());
      reg_.update_deployment(deployment_, stage, final_state, reason);
      tx.commit();
      break;
    }
  }
  if (final_state == "completed") {
    registry::Transaction tx(reg_.db());
    reg_.update_deployment(deployment_, static_cast<int>(sizes.size()) - 1, final_state, "");
    tx.commit();
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
    result_.assigned[id] = d.row.state == kRefused ? "" : variants_.at(d.variant).label();
    if (d.row.state == kRefused) result_.refusals[id] = d.row.detail;
  }
  result_.broker_reconnects = mqtt_->connect_count() > 0 ? mqtt_->connect_count() - 1 : 0;
  return result_;
}

}  // namespace

std::vector<uint32_t> rollout_stage_sizes(const std::vector<std::string>& stages, uint32_t devices) {
  if (stages.empty()) throw std::invalid_argument("--stages: no stage given");
  std::vector<uint32_t> sizes;
  uint32_t previous = 0;
  for (const std::string& s : stages) {
    uint32_t count = 0;
    try {
      size_t used = 0;
      if (!s.empty() && s.back() == '%') {
        const double percent = std::stod(s.substr(0, s.size() - 1), &used);
        if (used != s.size() - 1 || percent <= 0 || percent > 100) throw std::invalid_argument(s);
        count = static_cast<uint32_t>(std::ceil(percent / 100.0 * devices - 1e-9));
      } else {
        const long long n = std::stoll(s, &used);
        if (used != s.size() || n <= 0) throw std::invalid_argument(s);
        count = static_cast<uint32_t>(std::min<long long>(n, devices));
      }
    } catch (const std::logic_error&) {
      throw std::invalid_argument("--stages: '" + s + "' is neither a positive count nor a percentage (1..100%)");
    }
    previous = std::max(previous, count);
    sizes.push_back(previous);
  }
  return sizes;
}

uint32_t rollout_update_id(const registry::DeploymentInfo& deployment, const std::string& artifact) {
  // FNV-1a over what identifies the deployment: stable when resumed, distinct across registries.
  uint32_t h = 2166136261u;
  const std::string key = artifact + ":" + std::to_string(deployment.id) + ":" + deployment.created_at;
  for (unsigned char c : key) h = (h ^ c) * 16777619u;
  return h == 0 ? 1 : h;
}

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

std::string variant_misfit(const OtaManifest& manifest, const OtaInfo& info) {
  if (manifest.arena_bytes > info.ram_bytes) {
    return "needs arena " + std::to_string(manifest.arena_bytes) + " B, device offers " + std::to_string(info.ram_bytes) + " B";
  }
  const uint32_t flash = std::max(manifest.flash_bytes, manifest.file_bytes);
  if (flash > info.slot_bytes) {
    return "needs " + std::to_string(flash) + " B of flash, device slot offers " + std::to_string(info.slot_bytes) + " B";
  }
  for (int op = 0; op < 256; ++op) {
    const uint8_t bit = static_cast<uint8_t>(1u << (op % 8));
    if ((manifest.ops[op / 8] & bit) && !(info.ops[op / 8] & bit)) {
      return "needs opcode " + std::to_string(op) + ", not built into the device firmware";
    }
  }
  return "";
}

}  // namespace tmf::deploy
