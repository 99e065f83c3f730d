// The rollout engine's device side (rollout_engine.h): typed device events from the fleet link,
// chunk answers, and a periodic tick that drives resends, health gates, timeouts and registry writes.
#include <chrono>
#include <string>
#include <vector>

#include "host/deploy/rollout_engine.h"

namespace tmf::deploy::rollout_internal {

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

}  // namespace tmf::deploy::rollout_internal
