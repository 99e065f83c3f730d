// Names of the identities on a fleet's broker: a device's certificate CN is its device id, a
// service's is the reserved prefix "svc-" and the service's role, so no device can ever be named
// (and so receive the broker rights of) a service. Ids are also MQTT topic levels and ACL
// usernames: the charset keeps them free of '/', '+', '#' and anything a shell would expand.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace tmf::fleet {

class FleetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reserved for service identities; device ids may not start with it.
inline constexpr const char* kFleetServicePrefix = "svc-";
// The broker's own server certificate CN (never a client identity: its EKU is serverAuth only).
inline constexpr const char* kFleetBrokerName = "svc-broker";

// Every service role that connects to the broker; each gets its own ACL section (acl.h).
enum class FleetService {
  kFleetServiceServe,    // telemetry ingest, acks, drift, the loop (reads uplinks, writes downlinks)
  kFleetServiceDeploy,   // rollouts: manifests, chunks, commands
  kFleetServiceCollect,  // raw-data collection commands
  kFleetServiceGateway,  // serial <-> MQTT bridge speaking for devices without an IP stack
  kFleetServiceCount,
};
const char* fleet_service_to_string(FleetService service);  // "serve", "deploy", ...
std::optional<FleetService> fleet_service_parse(const std::string& name);
// "svc-serve", ... (the certificate CN and broker username)
std::string fleet_service_identity(FleetService service);

// Throws FleetError naming `id` unless it is 1..32 characters of [A-Za-z0-9_-] (the protocol's
// name rule, ota_name_valid) and does not start with the service prefix.
void fleet_device_id_check(const std::string& id);
// Throws FleetError naming `fleet` unless it satisfies the protocol's name rule.
void fleet_name_check(const std::string& fleet);

}  // namespace tmf::fleet
