// Who may publish and read which topic of a fleet, as a Mosquitto acl_file. Every line is generated
// from the protocol's leaf enum (OtaTopic, device/agent/protocol.h) and each leaf's direction:
//   device D (username = its certificate CN):  write tmf/<fleet>/D/<uplink leaf>,
//                                              read  tmf/<fleet>/D/<downlink leaf>, nothing else;
//   svc-serve, svc-deploy, svc-collect:        read every device's uplinks, write its downlinks
//   (and each worker identity svc-<service>-<worker> as its service);
//   svc-gateway (speaks for serial devices):   write every device's uplinks, read its downlinks.
// Unknown leaves, $SYS and every other topic are granted to nobody.
#pragma once

#include <string>
#include <vector>

#include "device/agent/protocol.h"
#include "host/fleet/identity.h"
#include "host/fleet/service_workers.h"
#include "host/fleet/topic.h"

namespace tmf::fleet {

// True if the role reads uplinks and writes downlinks (false: the gateway's mirror image).
bool fleet_service_is_operator(FleetService service);

// The acl_file text for `fleet` (checked with fleet_name_check). Each of `workers` (per-worker
// identities, service_workers.h) gets its service's lines under its own username.
std::string fleet_acl_text(const std::string& fleet, const std::vector<ServiceWorker>& workers = {});

}  // namespace tmf::fleet
