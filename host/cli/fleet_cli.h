// Shared pieces of the fleet, devices enroll|revoke and broker commands: the fleet directory
// option, FleetError as a CLI error, and the CRL rebuilt from the registry's revocations.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "host/fleet/pki.h"
#include "host/registry/registry.h"

namespace tmf::cli {

// The fleet directory (CA, CRL) defaults to <registry>/fleet when `dir` is left empty.
inline std::string fleet_dir_or_default(const std::string& dir, const std::string& registry_dir) {
  return dir.empty() ? registry_dir + "/fleet" : dir;
}

// Runs `body`, turning FleetError and RegistryError into CliError (exit 2: the named input is bad).
void run_fleet_command(const std::function<void()>& body);

// Re-signs <fleet dir>/crl.pem listing every certificate the registry records as revoked.
// Returns how many it lists.
size_t fleet_crl_rebuild(registry::Registry& reg, const std::string& fleet_dir, int days);

// Re-signs the CRL after the revocation `e` and reports it (JSON keys: id, serial, revoked_at,
// crl_path, crl_entries), reminding the operator to reload the broker.
void fleet_report_revocation(registry::Registry& reg, const std::string& fleet_dir, const registry::Enrolment& e,
                             bool json);

}  // namespace tmf::cli
