// Enrolling a device: its key and certificate (CN = device id) from the fleet CA, recorded in the
// registry under its group. One code path for `tinymlops devices enroll` and the simulator, which
// plays the factory for its virtual and bare-metal devices (docs/fleet.md, docs/sim.md).
#pragma once

#include <string>

#include "host/fleet/pki.h"
#include "host/registry/registry.h"

namespace tmf::fleet {

// Checks the id (device rule) and the group (protocol name rule), refuses an id that holds a valid
// certificate, issues <out_dir>/<id>.key (0600), <id>.pem and ca.pem, and records the enrolment.
// If the registry refuses the record, the new key and certificate are deleted (an unrecorded
// certificate could never be revoked). Throws FleetError or registry::RegistryError naming the input.
Issued fleet_device_enrol(registry::Registry& registry, const std::string& fleet_dir, const std::string& id,
                          const std::string& group, const std::string& out_dir, int days);

}  // namespace tmf::fleet
