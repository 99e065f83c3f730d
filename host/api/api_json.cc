// JSON forms of the API's resources (see api_json.h).
#include "host/api/api_json.h"

#include "host/fleet/device_fault.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tmf::api {
namespace {

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

// A JSON text stored by this project, or the text itself if it does not parse (never throws on
// a damaged row: the API reports what is there).
nlohmann::json stored_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json(text) : j;
}

}  // namespace

ModelNames::ModelNames(registry::Database& db) {
  registry::Statement s(db, "SELECT m.model_id, v.version, m.name FROM versions v JOIN models m ON m.id = v.model");
  while (s.step()) {
    names_[{static_cast<uint32_t>(s.column_int(0)), static_cast<uint32_t>(s.column_int(1))}] =
        s.column_text(2) + ":" + std::to_string(s.column_int(1));
  }
}

std::string ModelNames::text(uint32_t model_id, uint32_t version) const {
  const auto it = names_.find({model_id, version});
  if (it != names_.end()) return it->second;
  char text[32];
  std::snprintf(text, sizeof text, "0x%08x:%u", model_id, version);
  return text;
}

nlohmann::json ModelNames::ref(const std::optional<uint32_t>& model_id, const std::optional<uint32_t>& version) const {
  if (!model_id || !version) return nullptr;
  return text(*model_id, *version);
}

void ModelNames::write_ref(JsonWriter& w, const std::optional<uint32_t>& model_id,
                           const std::optional<uint32_t>& version) const {
  if (!model_id || !version) {
    w.null();
    return;
  }
  const auto it = names_.find({*model_id, *version});
  if (it != names_.end()) {
    w.value(it->second);
  } else {
    w.value(text(*model_id, *version));
  }
}


void write_device_json(JsonWriter& w, const registry::DeviceInfo& d, const ModelNames& names) {
  w.begin_object().member("id", d.id).member("group", d.group);
  w.key("hardware")
      .begin_object()
      .member("core", d.profile.core)
      .member("ram_bytes", d.profile.ram_bytes)
      .member("flash_bytes", d.profile.flash_bytes)
      .member("clock_hz", d.profile.clock_hz)
      .end_object();
  names.write_ref(w.key("current_model"), d.current_model_id, d.current_version);
  w.member("current_model_id", d.current_model_id).member("current_version", d.current_version);
  names.write_ref(w.key("previous_model"), d.previous_model_id, d.previous_version);
  w.member("online", d.online).member("last_seen", d.last_seen);
  // null without a fault: a document only for the few devices that reported one
  w.member("last_fault", fleet::device_fault_json(d.last_fault)).end_object();
}

nlohmann::json api_device_json(const registry::DeviceInfo& d, const ModelNames& names) {
  JsonWriter w;
  write_device_json(w, d, names);
  return nlohmann::json::parse(w.text());
}

nlohmann::json api_version_json(const registry::VersionInfo& v) {
  nlohmann::json lineage = {{"data", or_null(v.lineage.data)},
                            {"parameters", v.lineage.parameters ? stored_json(*v.lineage.parameters) : nlohmann::json(nullptr)},
                            {"parent", or_null(v.lineage.parent)}};
  return {{"name", v.name},
          {"version", v.version},
          {"ref", v.name + ":" + std::to_string(v.version)},
          {"model_id", v.model_id},
          {"stage", v.stage},
          {"artifact_sha256", v.artifact},
          {"file_bytes", v.file_bytes},
          {"arena_bytes", v.arena_bytes},
          {"macs", v.macs},
          {"source", v.source},
          {"signature_key_id", or_null(v.signature_key_id)},
          {"created_at", v.created_at},
          {"lineage", lineage},
          {"metrics", v.metrics}};
}

nlohmann::json api_deployment_json(const registry::DeploymentInfo& d) {
  return {{"id", d.id},
          {"model", d.model_name + ":" + std::to_string(d.model_version)},
          {"group", d.group},
          {"stages", stored_json(d.stages_json)},
          {"gates", stored_json(d.gates_json)},
          {"current_stage", d.current_stage},
          {"state", d.state},
          {"reason", d.reason},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at}};
}

nlohmann::json api_deployment_device_json(const registry::DeploymentDevice& d) {
  return {{"device", d.device},
          {"stage", d.stage},
          {"state", d.state},
          {"result_code", or_null(d.result_code)},
          {"detail", d.detail},
          {"chunks_sent", d.chunks_sent},
          {"bytes_sent", d.bytes_sent},
          {"updated_at", d.updated_at}};
}

void write_alert_json(JsonWriter& w, const monitor::Alert& a) {
  w.begin_object()
      .member("id", a.id)
      .member("kind", a.kind)
      .member("source", a.source)
      .member("subject", a.subject)
      .member("device", a.device)
      .member("group", a.group)
      .member("model_id", a.model_id)
      .member("model_version", a.model_version)
      .member("raised_at", monitor::utc_text(a.raised_at_ms))
      .member("raised_at_ms", a.raised_at_ms)
      .member("detail", stored_json(a.detail_json))
      .member("state", a.state)
      .member("label", a.label)
      .member("label_note", a.label_note)
      .member("labelled_at_ms", a.labelled_at_ms)
      .end_object();
}

nlohmann::json api_alert_json(const monitor::Alert& a) {
  JsonWriter w;
  write_alert_json(w, a);
  return nlohmann::json::parse(w.text());
}

nlohmann::json api_capture_json(const monitor::Capture& c) {
  nlohmann::json ranges = nlohmann::json::array();
  for (const auto& [offset, count] : c.received_ranges) ranges.push_back({offset, count});
  return {{"id", c.id},
          {"device", c.device},
          {"requested_at_ms", c.requested_at_ms},
          {"samples", c.samples},
          {"sample_rate_hz", or_null(c.sample_rate_hz)},
          {"model_id", or_null(c.model_id)},
          {"model_version", or_null(c.model_version)},
          {"total_samples", or_null(c.total_samples)},
          {"received_samples", c.received_samples},
          {"received_ranges", ranges},
          {"state", c.state},
          {"completed_at_ms", or_null(c.completed_at_ms)},
          {"samples_missing", c.samples_missing}};
}

nlohmann::json api_loop_step_json(const loop::LoopStep& s) {
  return {{"id", s.id},
          {"group", s.group},
          {"kind", s.kind},
          {"state", s.state},
          {"reason", s.reason},
          {"parent", or_null(s.parent)},
          {"started_at_ms", s.started_at_ms},
          {"ended_at_ms", or_null(s.ended_at_ms)},
          {"detail", stored_json(s.detail_json)}};
}

nlohmann::json api_approval_json(const loop::Approval& a) {
  return {{"step", a.step},
          {"group", a.group},
          {"fleet", a.fleet},
          {"version", a.version},
          {"security_counter", a.security_counter},
          {"state", loop::approval_state_to_string(a.state)},
          {"requested_at_ms", a.requested_at_ms},
          {"decided_at_ms", or_null(a.decided_at_ms)},
          {"decided_by", a.decided_by},
          {"reason", a.reason},
          {"signer_key_id", a.signer_key_id},
          {"sequence", or_null(a.sequence)}};
}

nlohmann::json api_batch_json(const monitor::TelemetryBatch& b, const ModelNames& names) {
  double sum = 0, max = -INFINITY;
  for (const float s : b.scores) {
    sum += s;
    max = std::max(max, static_cast<double>(s));
  }
  RmsStats rms;
  for (const float v : b.rms) rms.add(v);
  return {{"received_at_ms", b.received_at_ms},
          {"incarnation", b.incarnation},
          {"boot_count", b.boot_count},
          {"seq", b.seq},
          {"model", names.ref(b.model_id, b.model_version)},
          {"phase", b.phase},
          {"alarm", b.alarm},
          {"windows", b.window_count},
          {"score_mean", b.scores.empty() ? nlohmann::json(nullptr) : nlohmann::json(sum / double(b.scores.size()))},
          {"score_max", b.scores.empty() ? nlohmann::json(nullptr) : nlohmann::json(max)},
          {"rms_mean", rms.windows ? nlohmann::json(rms.sum / double(rms.windows)) : nlohmann::json(nullptr)},
          {"rms_max", rms.windows ? nlohmann::json(rms.max) : nlohmann::json(nullptr)},
          {"alarms_raised", b.alarms_raised},
          {"dropped_batches", b.dropped_batches},
          {"inference_cycles", b.inference_cycles},
          {"free_ram_bytes", b.free_ram_bytes},
          {"uptime_s", b.uptime_s}};
}

}  // namespace tmf::api
