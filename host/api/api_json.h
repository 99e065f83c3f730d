// The JSON forms of the API's resources (docs/api.md, docs/api.yaml). One function per resource so
// the list and the single-object endpoints always agree.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "host/api/json_writer.h"
#include "host/loop/loop_steps.h"
#include "host/loop/release.h"
#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"
#include "host/registry/registry.h"

namespace tmf::api {

// Signal RMS over windows as the API reports it (a device's last batch, a series bucket): a
// non-finite value from a device is skipped; no window left means the value is null.
struct RmsStats {
  int64_t windows = 0;
  double sum = 0, min = INFINITY, max = -INFINITY;
  void add(float v) {
    if (!std::isfinite(v)) return;
    ++windows;
    sum += v;
    min = std::min(min, static_cast<double>(v));
    max = std::max(max, static_cast<double>(v));
  }
};

// (model_id, version) -> "name:version", built once per request from the versions table so a
// list of 10,000 devices costs one query, not one per device.
class ModelNames {
 public:
  explicit ModelNames(registry::Database& db);
  // "name:version" when registered, else "0xMODELID:version"; null without a model.
  nlohmann::json ref(const std::optional<uint32_t>& model_id, const std::optional<uint32_t>& version) const;
  // "name:version" or "0xMODELID:version".
  std::string text(uint32_t model_id, uint32_t version) const;
  // The same, written as a value (no document built: a list writes it 10,000 times).
  void write_ref(JsonWriter& w, const std::optional<uint32_t>& model_id, const std::optional<uint32_t>& version) const;

 private:
  std::map<std::pair<uint32_t, uint32_t>, std::string> names_;
};

// List bodies write their items with the write_* forms; the api_*_json forms of the same
// resources are those texts parsed, so a list item and the single resource cannot differ.
void write_device_json(JsonWriter& w, const registry::DeviceInfo& d, const ModelNames& names);
nlohmann::json api_device_json(const registry::DeviceInfo& d, const ModelNames& names);
nlohmann::json api_version_json(const registry::VersionInfo& v);
nlohmann::json api_deployment_json(const registry::DeploymentInfo& d);
nlohmann::json api_deployment_device_json(const registry::DeploymentDevice& d);
void write_alert_json(JsonWriter& w, const monitor::Alert& a);
nlohmann::json api_alert_json(const monitor::Alert& a);
nlohmann::json api_capture_json(const monitor::Capture& c);
nlohmann::json api_loop_step_json(const loop::LoopStep& s);
nlohmann::json api_approval_json(const loop::Approval& a);
// One batch as a time-series point (undownsampled).
nlohmann::json api_batch_json(const monitor::TelemetryBatch& b, const ModelNames& names);

}  // namespace tmf::api
