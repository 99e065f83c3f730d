// /api/v1/devices, /api/v1/devices/{id}, /api/v1/devices/{id}/telemetry, /api/v1/groups.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "host/api/api_json.h"
#include "host/api/api_routes.h"

namespace tmf::api {
namespace {

constexpr const char* kDeviceColumns =
    "SELECT id, device_group, core, ram_bytes, flash_bytes, clock_hz, current_model_id, current_version, "
    "previous_model_id, previous_version, online, last_seen, last_fault_code, last_fault_name, last_fault_detail, "
    "last_fault_at FROM devices ";

registry::DeviceInfo device_row(registry::Statement& s) {
  registry::DeviceInfo d;
  d.id = s.column_text(0);
  d.group = s.column_text(1);
  d.profile = {s.column_text(2), static_cast<uint64_t>(s.column_int(3)), static_cast<uint64_t>(s.column_int(4)),
               static_cast<uint64_t>(s.column_int(5))};
  auto u32 = [&](int i) -> std::optional<uint32_t> {
    const auto v = s.column_optional_int(i);
    return v ? std::optional<uint32_t>(static_cast<uint32_t>(*v)) : std::nullopt;
  };
  d.current_model_id = u32(6);
  d.current_version = u32(7);
  d.previous_model_id = u32(8);
  d.previous_version = u32(9);
  d.online = s.column_int(10) != 0;
  d.last_seen = s.column_optional_text(11);
  d.last_fault = registry::read_device_fault(s, 12);
  return d;
}

// ?model=NAME | NAME:VERSION | 0xMODELID | 0xMODELID:VERSION -> (model_id, version?).
std::pair<int64_t, std::optional<int64_t>> model_filter(registry::Database& db, const std::string& text) {
  const size_t colon = text.rfind(':');
  const std::string name = colon == std::string::npos ? text : text.substr(0, colon);
  std::optional<int64_t> version;
  if (colon != std::string::npos) version = api_parse_int(text.substr(colon + 1), "model", 0, UINT32_MAX);
  if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X')) {
    char* end = nullptr;
    const unsigned long long id = std::strtoull(name.c_str() + 2, &end, 16);
    if (*end != '\0' || id > UINT32_MAX) throw ApiError(400, "model", "model '" + text + "': bad model id");
    return {static_cast<int64_t>(id), version};
  }
  registry::Statement s(db, "SELECT model_id FROM models WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) throw ApiError(400, "model", "model '" + name + "': no such model in the registry");
  return {s.column_int(0), version};
}

std::optional<nlohmann::json> list_devices(ApiCall& call) {
  registry::Database& db = call.registry().db();
  const auto group = call.query("group");
  const std::string state = call.query_choice("state", "all", {"all", "online", "offline"});
  std::optional<std::pair<int64_t, std::optional<int64_t>>> model;
  if (const auto m = call.query("model")) model = model_filter(db, *m);
  const int64_t limit = call.query_int("limit", 1000, 1, 10000);
  const int64_t offset = call.query_int("offset", 0, 0, INT64_MAX);
  const std::string where =
      "WHERE (?1 IS NULL OR device_group = ?1) AND (?2 IS NULL OR online = ?2) AND (?3 IS NULL OR current_model_id = ?3) "
      "AND (?4 IS NULL OR current_version = ?4) ";
  auto bind = [&](registry::Statement& s) {
    if (group) s.bind(1, *group); else s.bind_null(1);
    if (state != "all") s.bind(2, int64_t{state == "online"}); else s.bind_null(2);
    if (model) s.bind(3, model->first); else s.bind_null(3);
    if (model && model->second) s.bind(4, *model->second); else s.bind_null(4);
  };
  registry::Statement count(db, ("SELECT COUNT(*) FROM devices " + where).c_str());
  bind(count);
  count.step();
  const int64_t total = count.column_int(0);
  registry::Statement s(db, (kDeviceColumns + where + "ORDER BY id LIMIT ?5 OFFSET ?6").c_str());
  bind(s);
  s.bind(5, limit).bind(6, offset);
  const ModelNames names(db);
  // About 300 bytes a device: one allocation for a page of any size the limit allows.
  JsonWriter w(static_cast<size_t>(std::min<int64_t>(limit, std::max<int64_t>(total - offset, 0))) * 320 + 256);
  w.begin_object().member("total", total).member("offset", offset).member("limit", limit);
  w.key("devices").begin_array();
  while (s.step()) write_device_json(w, device_row(s), names);
  w.end_array().end_object();
  return api_reply_written(call, w);
}

registry::DeviceInfo device_or_404(ApiCall& call, const std::string& id) {
  registry::Statement s(call.registry().db(), (std::string(kDeviceColumns) + "WHERE id = ?").c_str());
  s.bind(1, id);
  if (!s.step()) throw ApiError(404, "id", "device '" + id + "': not in the registry");
  return device_row(s);
}

std::optional<nlohmann::json> one_device(ApiCall& call) {
  const std::string id = call.path(1, "id");
  registry::Database& db = call.registry().db();
  const registry::DeviceInfo d = device_or_404(call, id);
  const ModelNames names(db);
  nlohmann::json j = api_device_json(d, names);

  // Model history as the device's own telemetry shows it: each version with its first and last batch.
  nlohmann::json history = nlohmann::json::array();
  registry::Statement h(db,
                        "SELECT model_id, model_version, MIN(received_at), MAX(received_at), COUNT(*) FROM "
                        "telemetry_batches WHERE device = ? GROUP BY model_id, model_version ORDER BY MIN(received_at)");
  h.bind(1, id);
  while (h.step()) {
    history.push_back({{"model", names.ref(static_cast<uint32_t>(h.column_int(0)), static_cast<uint32_t>(h.column_int(1)))},
                       {"first_batch_at_ms", h.column_int(2)},
                       {"last_batch_at_ms", h.column_int(3)},
                       {"batches", h.column_int(4)}});
  }
  j["model_history"] = history;

  // Deployments that included the device.
  nlohmann::json deployments = nlohmann::json::array();
  registry::Statement dep(db,
                          "SELECT dd.deployment, m.name || ':' || v.version, dd.stage, dd.state, dd.detail, dd.updated_at "
                          "FROM deployment_devices dd JOIN deployments d ON d.id = dd.deployment JOIN versions v ON "
                          "v.id = d.version JOIN models m ON m.id = v.model WHERE dd.device = ? ORDER BY dd.deployment");
  dep.bind(1, id);
  while (dep.step()) {
    deployments.push_back({{"rollout", dep.column_int(0)}, {"model", dep.column_text(1)}, {"stage", dep.column_int(2)},
                           {"state", dep.column_text(3)}, {"detail", dep.column_text(4)},
                           {"updated_at", dep.column_text(5)}});
  }
  j["rollouts"] = deployments;

  monitor::TelemetryStore store(db);
  registry::Statement newest(
      db, "SELECT boot_count, seq, incarnation FROM telemetry_batches WHERE device = ? ORDER BY rowid DESC LIMIT 1");
  newest.bind(1, id);
  j["last_telemetry"] = nullptr;
  if (newest.step()) {
    const auto b = store.find_batch({id, static_cast<uint32_t>(newest.column_int(0)), static_cast<uint32_t>(newest.column_int(1)),
                                     static_cast<uint32_t>(newest.column_int(2))});
    if (b) j["last_telemetry"] = api_batch_json(*b, names);
  }

  monitor::AlertFilter filter;
  filter.device = id;
  nlohmann::json alerts = nlohmann::json::array();
  for (const monitor::Alert& a : monitor::AlertStore(db).list(filter)) alerts.push_back(api_alert_json(a));
  j["alerts"] = alerts;
  nlohmann::json captures = nlohmann::json::array();
  for (const monitor::Capture& c : store.list_captures(id)) captures.push_back(api_capture_json(c));
  j["captures"] = captures;
  return j;
}

// One bucket of the downsampled series.
struct Bucket {
  int64_t batches = 0, windows = 0, alarms_raised = 0, cycles_sum = 0;
  int alarm = 0;
  double score_sum = 0, score_max = -INFINITY, score_min = INFINITY;
  // Signal RMS over the windows that carried a finite one (device values are untrusted).
  RmsStats rms;
  int64_t dropped_max = 0;
  std::set<std::string> models;
};

std::optional<nlohmann::json> telemetry(ApiCall& call) {
  const std::string id = call.path(1, "id");
  registry::Database& db = call.registry().db();
  device_or_404(call, id);
  const int64_t to = call.query_int("to", monitor::unix_ms_now(), 0, INT64_MAX / 2);
  // A day back by default: the console's first view of a machine (a week is ?from=... explicitly).
  const int64_t from = call.query_int("from", to - 24 * 3600 * 1000LL, 0, INT64_MAX / 2);
  if (from >= to) throw ApiError(400, "from", "from " + std::to_string(from) + ": not before to " + std::to_string(to));
  // 1,000 points is about a chart's width in pixels: more cannot be drawn, fewer lose detail.
  const int64_t max_points = call.query_int("max_points", 1000, 1, 100000);
  int64_t step = call.query_int("step_ms", 0, 0, INT64_MAX / 2);
  if (step == 0) step = std::max<int64_t>(1, (to - from + max_points - 1) / max_points);
  if ((to - from + step - 1) / step > max_points) {
    throw ApiError(400, "step_ms", "step_ms " + std::to_string(step) + ": gives more than max_points (" +
                                       std::to_string(max_points) + ") buckets between from and to");
  }
  const ModelNames names(db);
  registry::Statement s(db,
                        "SELECT received_at, model_id, model_version, alarm, window_count, alarms_raised, "
                        "dropped_batches, inference_cycles, scores, rms FROM telemetry_batches "
                        "WHERE device = ? AND received_at >= ? AND received_at < ? ORDER BY received_at");
  s.bind(1, id).bind(2, from).bind(3, to);
  std::map<int64_t, Bucket> buckets;
  nlohmann::json changes = nlohmann::json::array();
  std::string previous_model;
  while (s.step()) {
    const int64_t at = s.column_int(0);
    Bucket& b = buckets[from + (at - from) / step * step];
    const std::string model = names.text(static_cast<uint32_t>(s.column_int(1)), static_cast<uint32_t>(s.column_int(2)));
    if (!previous_model.empty() && model != previous_model) {
      changes.push_back({{"at_ms", at}, {"from", previous_model}, {"to", model}});
    }
    previous_model = model;
    b.models.insert(model);
    ++b.batches;
    b.alarm = std::max<int>(b.alarm, static_cast<int>(s.column_int(3)));
    const int64_t windows = s.column_int(4);
    b.windows += windows;
    b.alarms_raised += s.column_int(5);
    b.dropped_max = std::max(b.dropped_max, s.column_int(6));
    b.cycles_sum += s.column_int(7);
    const std::string scores = s.column_text(8);
    const size_t n = std::min<size_t>(static_cast<size_t>(windows), scores.size() / 4);
    for (size_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, scores.data() + 4 * i, 4);  // f32 little-endian, as stored
      b.score_sum += v;
      b.score_max = std::max(b.score_max, static_cast<double>(v));
      b.score_min = std::min(b.score_min, static_cast<double>(v));
    }
    if (!s.column_is_null(9)) {
      const std::string rms = s.column_text(9);
      const size_t m = std::min<size_t>(static_cast<size_t>(windows), rms.size() / 4);
      for (size_t i = 0; i < m; ++i) {
        float v;
        std::memcpy(&v, rms.data() + 4 * i, 4);
        b.rms.add(v);
      }
    }
  }
  JsonWriter w(buckets.size() * 400 + changes.size() * 100 + 256);
  w.begin_object().member("device", id).member("from_ms", from).member("to_ms", to).member("step_ms", step);
  w.key("points").begin_array();
  for (const auto& [t, b] : buckets) {
    const bool scored = b.windows > 0 && std::isfinite(b.score_max);
    w.begin_object().member("t_ms", t).member("batches", b.batches).member("windows", b.windows);
    w.key("score_mean");
    scored ? w.value(b.score_sum / double(b.windows)) : w.null();
    w.key("score_min");
    scored ? w.value(b.score_min) : w.null();
    w.key("score_max");
    scored ? w.value(b.score_max) : w.null();
    // null when no batch of the bucket carried RMS (older devices, the 16 KB build)
    const bool rms = b.rms.windows > 0;
    w.key("rms_mean");
    rms ? w.value(b.rms.sum / double(b.rms.windows)) : w.null();
    w.key("rms_min");
    rms ? w.value(b.rms.min) : w.null();
    w.key("rms_max");
    rms ? w.value(b.rms.max) : w.null();
    w.member("alarm", b.alarm)
        .member("alarms_raised", b.alarms_raised)
        .member("dropped_batches", b.dropped_max)
        .member("inference_cycles_mean", double(b.cycles_sum) / double(b.batches));
    w.key("models").begin_array();
    for (const std::string& m : b.models) w.value(m);
    w.end_array().end_object();
  }
  w.end_array();
  w.member("model_changes", changes).end_object();
  return api_reply_written(call, w);
}

std::optional<nlohmann::json> groups(ApiCall& call) {
  registry::Database& db = call.registry().db();
  const ModelNames names(db);
  std::map<std::string, nlohmann::json> out;
  registry::Statement g(db, "SELECT device_group, COUNT(*), SUM(online) FROM devices GROUP BY device_group");
  while (g.step()) {
    out[g.column_text(0)] = {{"group", g.column_text(0)},        {"devices", g.column_int(1)},
                             {"online", g.column_int(2)},        {"models", nlohmann::json::object()},
                             {"open_alerts", nlohmann::json::object()}};
  }
  registry::Statement m(db,
                        "SELECT device_group, current_model_id, current_version, COUNT(*) FROM devices GROUP BY 1, 2, 3");
  while (m.step()) {
    std::optional<uint32_t> model_id, version;
    if (!m.column_is_null(1)) model_id = static_cast<uint32_t>(m.column_int(1));
    if (!m.column_is_null(2)) version = static_cast<uint32_t>(m.column_int(2));
    const nlohmann::json ref = names.ref(model_id, version);
    out[m.column_text(0)]["models"][ref.is_null() ? "none" : ref.get<std::string>()] = m.column_int(3);
  }
  // Open alerts per group: the device's group for device alerts, the subject's for group alerts.
  registry::Statement a(db,
                        "SELECT COALESCE(a.device_group, d.device_group), a.kind, COUNT(*) FROM alerts a LEFT JOIN "
                        "devices d ON d.id = a.device WHERE a.state = 'open' GROUP BY 1, 2");
  while (a.step()) {
    if (a.column_is_null(0)) continue;
    const std::string group = a.column_text(0);
    if (out.count(group)) out[group]["open_alerts"][a.column_text(1)] = a.column_int(2);
  }
  nlohmann::json list = nlohmann::json::array();
  for (auto& [name, j] : out) list.push_back(std::move(j));
  return nlohmann::json{{"groups", list}};
}

}  // namespace

void api_routes_fleet(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", R"(/api/v1/devices)", ApiRole::kApiRoleRead, list_devices});
  routes.push_back({"GET", R"(/api/v1/devices/([^/]+))", ApiRole::kApiRoleRead, one_device});
  routes.push_back({"GET", R"(/api/v1/devices/([^/]+)/telemetry)", ApiRole::kApiRoleRead, telemetry});
  routes.push_back({"GET", R"(/api/v1/groups)", ApiRole::kApiRoleRead, groups});
}

}  // namespace tmf::api
