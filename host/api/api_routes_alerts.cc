// /api/v1/alerts (list, ack, label: the labels the loop trains on) and /api/v1/captures (list,
// one, the samples as float32 or CSV).
#include <cctype>
#include <cstdio>
#include <cstring>

#include "host/api/api_json.h"
#include "host/api/api_routes.h"

namespace tmf::api {
namespace {

std::optional<nlohmann::json> list_alerts(ApiCall& call) {
  monitor::AlertFilter filter;
  const std::string state = call.query_choice("state", "open", {"open", "acked", "all"});
  if (state != "all") filter.state = state;
  const std::string kind = call.query_choice("kind", "all", {"all", "alarm", "drift"});
  if (kind != "all") filter.kind = kind;
  filter.device = call.query("device");
  const int64_t limit = call.query_int("limit", 1000, 1, 100000);
  JsonWriter w;
  w.begin_object().key("alerts").begin_array();
  int64_t written = 0;
  for (const monitor::Alert& a : monitor::AlertStore(call.registry().db()).list(filter)) {
    if (written++ >= limit) break;
    write_alert_json(w, a);
  }
  w.end_array().end_object();
  return api_reply_written(call, w);
}

monitor::Alert alert_or_404(ApiCall& call, monitor::AlertStore& store) {
  const int64_t id = call.path_int(1, "id");
  const auto a = store.find(id);
  if (!a) throw ApiError(404, "id", "alert " + std::to_string(id) + ": no such alert");
  return *a;
}

std::optional<nlohmann::json> ack(ApiCall& call) {
  monitor::AlertStore store(call.registry().db());
  const monitor::Alert a = alert_or_404(call, store);
  store.ack(a.id);
  return api_alert_json(*store.find(a.id));
}

std::optional<nlohmann::json> label(ApiCall& call) {
  monitor::AlertStore store(call.registry().db());
  const monitor::Alert a = alert_or_404(call, store);
  const nlohmann::json body = call.body();
  if (!body.contains("label")) throw ApiError(400, "label", "label: required (true: a real fault, false: a false alarm)");
  if (!body["label"].is_boolean()) throw ApiError(400, "label", "label: must be true or false");
  std::optional<std::string> note;
  if (body.contains("note") && !body["note"].is_null()) {
    if (!body["note"].is_string()) throw ApiError(400, "note", "note: must be a string");
    note = body["note"].get<std::string>();
  }
  store.label(a.id, body["label"].get<bool>(), note, monitor::unix_ms_now());
  return api_alert_json(*store.find(a.id));
}

std::optional<nlohmann::json> list_captures(ApiCall& call) {
  nlohmann::json list = nlohmann::json::array();
  for (const monitor::Capture& c : monitor::TelemetryStore(call.registry().db()).list_captures(call.query("device"))) {
    list.push_back(api_capture_json(c));
  }
  return nlohmann::json{{"captures", list}};
}

monitor::Capture capture_or_404(ApiCall& call) {
  const int64_t id = call.path_int(1, "id");
  const auto c = monitor::TelemetryStore(call.registry().db()).find_capture(static_cast<uint32_t>(id));
  if (id > UINT32_MAX || !c) throw ApiError(404, "id", "capture " + std::to_string(id) + ": no such capture");
  return *c;
}

std::optional<nlohmann::json> one_capture(ApiCall& call) { return api_capture_json(capture_or_404(call)); }

// The samples as received so far, from the store: float32 little-endian or CSV "index,value"
// (the index is the sample's position; samples not yet received read 0 in both forms). 410 for a
// capture whose samples are missing (received before schema 16, its file never copied in).
std::optional<nlohmann::json> capture_data(ApiCall& call) {
  const monitor::Capture c = capture_or_404(call);
  const std::string format = call.query_choice("format", "f32", {"f32", "csv"});
  std::string bytes;
  try {
    bytes = monitor::TelemetryStore(call.registry().db()).capture_data(c.id);
  } catch (const monitor::CaptureSamplesMissing& e) {
    throw ApiError(410, "id", e.what());
  }
  if (bytes.empty()) throw ApiError(404, "id", "capture " + std::to_string(c.id) + ": no samples received yet");
  httplib::Response& res = call.response();
  // The file name carries the device id: anything beyond [A-Za-z0-9._-] becomes '_' so an id can
  // never break out of the header's quotes.
  std::string stem = c.device + "-" + std::to_string(c.id);
  for (char& ch : stem) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '.' && ch != '_' && ch != '-') ch = '_';
  }
  if (format == "f32") {
    res.set_header("Content-Disposition", "attachment; filename=\"" + stem + ".f32\"");
    res.set_content(bytes, "application/octet-stream");
    return std::nullopt;
  }
  std::string csv = "index,value\n";
  char line[64];
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    float v;
    std::memcpy(&v, bytes.data() + i, 4);
    std::snprintf(line, sizeof line, "%zu,%.9g\n", i / 4, static_cast<double>(v));
    csv += line;
  }
  res.set_header("Content-Disposition", "attachment; filename=\"" + stem + ".csv\"");
  res.set_content(csv, "text/csv");
  return std::nullopt;
}

}  // namespace

void api_routes_alerts(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", R"(/api/v1/alerts)", ApiRole::kApiRoleRead, list_alerts});
  routes.push_back({"POST", R"(/api/v1/alerts/([^/]+)/ack)", ApiRole::kApiRoleAdmin, ack});
  routes.push_back({"POST", R"(/api/v1/alerts/([^/]+)/label)", ApiRole::kApiRoleAdmin, label});
  routes.push_back({"GET", R"(/api/v1/captures)", ApiRole::kApiRoleRead, list_captures});
  routes.push_back({"GET", R"(/api/v1/captures/([^/]+))", ApiRole::kApiRoleRead, one_capture});
  routes.push_back({"GET", R"(/api/v1/captures/([^/]+)/data)", ApiRole::kApiRoleRead, capture_data});
}

}  // namespace tmf::api
