// The routes of /api/v1 (docs/api.md, docs/api.yaml), one file per area. A handler returns the
// JSON body of a 200 answer, or nullopt when it wrote the response itself (downloads); it throws
// ApiError for anything the caller got wrong. Every GET needs a read token, every POST an admin one.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "host/api/api_call.h"
#include "host/api/json_writer.h"

namespace tmf::api {

using ApiHandler = std::function<std::optional<nlohmann::json>(ApiCall&)>;

struct ApiRoute {
  const char* method;   // GET | POST
  std::string pattern;  // regular expression over the path, captures are path(1), path(2), ...
  ApiRole needs;
  ApiHandler handler;
};

// A 200 answer whose body a JsonWriter wrote (large lists): the text moves into the response.
inline std::optional<nlohmann::json> api_reply_written(ApiCall& call, JsonWriter& w) {
  httplib::Response& res = call.response();
  res.status = 200;
  res.body = w.take();
  res.set_header("Content-Type", "application/json");
  return std::nullopt;
}

void api_routes_fleet(std::vector<ApiRoute>& routes);     // devices, one device, telemetry, groups
void api_routes_models(std::vector<ApiRoute>& routes);    // models, versions, lineage, metrics
void api_routes_releases(std::vector<ApiRoute>& routes);  // rollouts, approvals, loop history
void api_routes_alerts(std::vector<ApiRoute>& routes);    // alerts, captures

}  // namespace tmf::api
