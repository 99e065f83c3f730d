// One certificate per worker of a service (docs/fleet.md "Per-worker identities"): the serve
// workers of a fleet (serve --worker-id, docs/scaling.md) each get `svc-serve-<worker>`, with the
// broker rights of svc-serve, so one compromised worker host is revoked without touching the
// others. Mosquitto's ACL has no wildcard for usernames, so the broker configuration must list
// every worker identity: the fleet directory keeps that list (FLEETDIR/services.json, written by
// `tinymlops fleet service NAME --worker W`, read by `tinymlops broker config`).
#pragma once

#include <string>
#include <vector>

#include "host/fleet/identity.h"

namespace tmf::fleet {

struct ServiceWorker {
  FleetService service;
  std::string worker;
};

// Throws FleetError naming `worker` unless it follows the protocol's name rule (1-32 characters of
// A-Z a-z 0-9 _ -), as serve's --worker-id does.
void fleet_worker_check(const std::string& worker);
// "svc-<service>-<worker>": the certificate CN and broker username of one worker.
std::string fleet_worker_identity(FleetService service, const std::string& worker);

// The workers issued for this fleet directory, by service then name (none: an empty list).
// Throws FleetError naming the file when it is malformed.
std::vector<ServiceWorker> fleet_workers_load(const std::string& fleet_dir);
// Adds a worker to the list (atomic rewrite); false if it was listed already (a re-issue after a
// revocation keeps its ACL grant).
bool fleet_worker_add(const std::string& fleet_dir, FleetService service, const std::string& worker);

}  // namespace tmf::fleet
