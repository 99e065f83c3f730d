// Device enrolment (see enrolment.h).
#include "host/fleet/enrolment.h"

#include <filesystem>

#include "host/fleet/identity.h"

namespace tmf::fleet {

Issued fleet_device_enrol(registry::Registry& registry, const std::string& fleet_dir, const std::string& id,
                          const std::string& group, const std::string& out_dir, int days) {
  fleet_device_id_check(id);
  fleet_name_check(group);  // groups travel in INFO under the same rule
  if (const auto e = registry.device_enrolled(id); e && !e->revoked) {
    throw FleetError("device '" + id + "': enrolled already with certificate " + e->serial +
                     " (tinymlops devices revoke " + id + " first)");
  }
  IssueRequest request;
  request.common_name = id;
  request.days = days;
  const Issued issued = pki_issue(fleet_dir, request, out_dir, id);
  try {
    registry.device_enroll(id, group, issued.serial);
  } catch (...) {
    // Unrecorded means unrevocable: the key and certificate must not survive.
    std::filesystem::remove(issued.key_path);
    std::filesystem::remove(issued.cert_path);
    throw;
  }
  return issued;
}

}  // namespace tmf::fleet
