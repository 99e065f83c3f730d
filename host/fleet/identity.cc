// Identity names of a fleet (identity.h).
#include "host/fleet/identity.h"

#include "device/agent/protocol.h"

namespace tmf::fleet {

const char* fleet_service_to_string(FleetService service) {
  switch (service) {
    case FleetService::kFleetServiceServe: return "serve";
    case FleetService::kFleetServiceDeploy: return "deploy";
    case FleetService::kFleetServiceCollect: return "collect";
    case FleetService::kFleetServiceGateway: return "gateway";
    case FleetService::kFleetServiceCount: return "";
  }
  return "";
}

std::optional<FleetService> fleet_service_parse(const std::string& name) {
  for (int s = 0; s < static_cast<int>(FleetService::kFleetServiceCount); ++s) {
    const auto service = static_cast<FleetService>(s);
    if (name == fleet_service_to_string(service)) return service;
  }
  return std::nullopt;
}

std::string fleet_service_identity(FleetService service) {
  return std::string(kFleetServicePrefix) + fleet_service_to_string(service);
}

void fleet_device_id_check(const std::string& id) {
  if (id.empty() || id.size() > kOtaMaxNameBytes || id.find('\0') != std::string::npos ||
      !ota_name_valid(id.c_str())) {
    throw FleetError("device id '" + id + "': must be 1-" + std::to_string(kOtaMaxNameBytes) +
                     " characters of A-Z a-z 0-9 _ -");
  }
  if (id.rfind(kFleetServicePrefix, 0) == 0) {
    throw FleetError("device id '" + id + "': the prefix '" + kFleetServicePrefix +
                     "' is reserved for service identities");
  }
}

void fleet_name_check(const std::string& fleet) {
  if (fleet.empty() || fleet.size() > kOtaMaxNameBytes || fleet.find('\0') != std::string::npos ||
      !ota_name_valid(fleet.c_str())) {
    throw FleetError("fleet name '" + fleet + "': must be 1-" + std::to_string(kOtaMaxNameBytes) +
                     " characters of A-Z a-z 0-9 _ -");
  }
}

}  // namespace tmf::fleet
