// The list of per-worker service identities of a fleet (service_workers.h).
#include "host/fleet/service_workers.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "device/agent/protocol.h"

namespace tmf::fleet {
namespace {

std::string list_path(const std::string& fleet_dir) { return fleet_dir + "/services.json"; }

}  // namespace

void fleet_worker_check(const std::string& worker) {
  if (worker.empty() || worker.size() > kOtaMaxNameBytes || worker.find('\0') != std::string::npos ||
      !ota_name_valid(worker.c_str())) {
    throw FleetError("worker '" + worker + "': must be 1-" + std::to_string(kOtaMaxNameBytes) +
                     " characters of A-Z a-z 0-9 _ -");
  }
}

std::string fleet_worker_identity(FleetService service, const std::string& worker) {
  fleet_worker_check(worker);
  return fleet_service_identity(service) + "-" + worker;
}

std::vector<ServiceWorker> fleet_workers_load(const std::string& fleet_dir) {
  const std::string path = list_path(fleet_dir);
  std::vector<ServiceWorker> out;
  std::ifstream in(path);
  if (!in) return out;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("workers") || !j["workers"].is_object()) {
    throw FleetError(path + ": expected {\"workers\": {\"serve\": [\"w1\", ...]}}");
  }
  for (const auto& [name, workers] : j["workers"].items()) {
    const auto service = fleet_service_parse(name);
    if (!service) throw FleetError(path + ": service '" + name + "': not one of serve, deploy, collect, gateway");
    if (!workers.is_array()) throw FleetError(path + ": workers of " + name + ": expected a list of names");
    for (const auto& w : workers) {
      if (!w.is_string()) throw FleetError(path + ": workers of " + name + ": expected a list of names");
      fleet_worker_check(w.get<std::string>());  // a name that is not one could inject ACL lines
      out.push_back({*service, w.get<std::string>()});
    }
  }
  std::sort(out.begin(), out.end(), [](const ServiceWorker& a, const ServiceWorker& b) {
    return a.service != b.service ? a.service < b.service : a.worker < b.worker;
  });
  return out;
}

bool fleet_worker_add(const std::string& fleet_dir, FleetService service, const std::string& worker) {
  fleet_worker_check(worker);
  std::vector<ServiceWorker> workers = fleet_workers_load(fleet_dir);
  for (const ServiceWorker& w : workers) {
    if (w.service == service && w.worker == worker) return false;
  }
  workers.push_back({service, worker});
  nlohmann::json j;
  j["workers"] = nlohmann::json::object();
  for (const ServiceWorker& w : workers) j["workers"][fleet_service_to_string(w.service)].push_back(w.worker);
  const std::string path = list_path(fleet_dir), tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out.flush()) throw FleetError(tmp + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw FleetError(path + ": cannot replace");
  return true;
}

}  // namespace tmf::fleet
