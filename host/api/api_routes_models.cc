// /api/v1/models, /api/v1/models/{name}, /api/v1/models/{name}/versions/{v} and its lineage.
#include <map>

#include "host/api/api_json.h"
#include "host/api/api_routes.h"

namespace tmf::api {
namespace {

std::optional<nlohmann::json> list_models(ApiCall& call) {
  std::map<std::string, nlohmann::json> models;
  for (const registry::VersionInfo& v : call.registry().list_versions()) {
    nlohmann::json& m = models[v.name];
    if (m.is_null()) m = {{"name", v.name}, {"model_id", v.model_id}, {"versions", nlohmann::json::array()}, {"production", nullptr}};
    m["versions"].push_back({{"version", v.version}, {"stage", v.stage}, {"created_at", v.created_at}, {"metrics", v.metrics}});
    if (v.stage == "production") m["production"] = v.version;
  }
  nlohmann::json list = nlohmann::json::array();
  for (auto& [name, m] : models) list.push_back(std::move(m));
  return nlohmann::json{{"models", list}};
}

std::vector<registry::VersionInfo> versions_or_404(ApiCall& call, const std::string& name) {
  std::vector<registry::VersionInfo> versions = call.registry().list_versions(name);
  if (versions.empty()) throw ApiError(404, "name", "model '" + name + "': not in the registry");
  return versions;
}

std::optional<nlohmann::json> one_model(ApiCall& call) {
  const std::string name = call.path(1, "name");
  nlohmann::json versions = nlohmann::json::array();
  for (const registry::VersionInfo& v : versions_or_404(call, name)) versions.push_back(api_version_json(v));
  return nlohmann::json{{"name", name}, {"versions", versions}};
}

registry::VersionInfo version_or_404(ApiCall& call) {
  const std::string name = call.path(1, "name");
  const auto version = static_cast<uint32_t>(api_parse_int(call.path(2, "version"), "version", 0, UINT32_MAX));
  for (const registry::VersionInfo& v : versions_or_404(call, name)) {
    if (v.version == version) return v;
  }
  throw ApiError(404, "version", "model '" + name + "' has no version " + std::to_string(version));
}

std::optional<nlohmann::json> one_version(ApiCall& call) {
  const registry::VersionInfo v = version_or_404(call);
  nlohmann::json j = api_version_json(v);
  // Which versions derive from this one, and how many devices report running it.
  nlohmann::json children = nlohmann::json::array();
  registry::Statement c(call.registry().db(),
                        "SELECT m.name || ':' || v.version FROM lineage l JOIN versions v ON v.id = l.version JOIN models m "
                        "ON m.id = v.model WHERE l.parent = ? ORDER BY v.id");
  c.bind(1, v.id);
  while (c.step()) children.push_back(c.column_text(0));
  j["children"] = children;
  registry::Statement d(call.registry().db(),
                        "SELECT COUNT(*) FROM devices WHERE current_model_id = ? AND current_version = ?");
  d.bind(1, int64_t{v.model_id}).bind(2, int64_t{v.version});
  d.step();
  j["devices_running"] = d.column_int(0);
  return j;
}

// The version and its ancestors up to the first one without a parent (newest first).
std::optional<nlohmann::json> lineage(ApiCall& call) {
  registry::VersionInfo v = version_or_404(call);
  nlohmann::json chain = nlohmann::json::array();
  for (int depth = 0; depth < 1000; ++depth) {  // a cycle cannot be written, the bound is a guard
    chain.push_back(api_version_json(v));
    if (!v.lineage.parent) break;
    registry::Statement p(call.registry().db(), "SELECT parent FROM lineage WHERE version = ?");
    p.bind(1, v.id);
    if (!p.step() || p.column_is_null(0)) break;
    const auto parent = call.registry().find_version_by_id(p.column_int(0));
    if (!parent) break;
    v = *parent;
  }
  return nlohmann::json{{"lineage", chain}};
}

}  // namespace

void api_routes_models(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", R"(/api/v1/models)", ApiRole::kApiRoleRead, list_models});
  routes.push_back({"GET", R"(/api/v1/models/([^/]+))", ApiRole::kApiRoleRead, one_model});
  routes.push_back({"GET", R"(/api/v1/models/([^/]+)/versions/([^/]+))", ApiRole::kApiRoleRead, one_version});
  routes.push_back({"GET", R"(/api/v1/models/([^/]+)/versions/([^/]+)/lineage)", ApiRole::kApiRoleRead, lineage});
}

}  // namespace tmf::api
