// `tinymlops devices enroll|revoke`: a device's certificate from the fleet CA, recorded in the
// registry; revocation marks it and re-signs the CRL (docs/fleet.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/fleet_cli.h"
#include "host/cli/registry_cli.h"
#include "host/fleet/enrolment.h"

namespace tmf::cli {
namespace {

struct EnrolArgs {
  std::string registry_dir, ca_dir, id, group, out;
  int days = 3650;
  bool json = false;
};

void run_enroll(const EnrolArgs& a) {
  registry::Registry reg(a.registry_dir);
  const fleet::Issued issued =
      fleet::fleet_device_enrol(reg, fleet_dir_or_default(a.ca_dir, a.registry_dir), a.id, a.group, a.out, a.days);
  if (a.json) {
    nlohmann::json j;
    j["id"] = a.id;
    j["group"] = a.group;
    j["serial"] = issued.serial;
    j["key_path"] = issued.key_path;
    j["cert_path"] = issued.cert_path;
    j["ca_path"] = issued.ca_path;
    j["not_after"] = issued.not_after;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("enrolled %s in group %s: certificate serial %s, valid until %s\n  key %s (mode 0600)\n  cert %s\n  CA %s\n",
              a.id.c_str(), a.group.c_str(), issued.serial.c_str(), issued.not_after.c_str(), issued.key_path.c_str(),
              issued.cert_path.c_str(), issued.ca_path.c_str());
}

void run_revoke(const EnrolArgs& a) {
  registry::Registry reg(a.registry_dir);
  const registry::Enrolment e = reg.device_revoke(a.id);
  fleet_report_revocation(reg, fleet_dir_or_default(a.ca_dir, a.registry_dir), e, a.json);
}

}  // namespace

void register_devices_enrolment(CLI::App* devices) {
  auto enroll_args = std::make_shared<EnrolArgs>();
  CLI::App* enroll = devices->add_subcommand("enroll", "Issue a device's key and certificate (CN = id) and record the enrolment");
  enroll->add_option("id", enroll_args->id, "Device id: 1-32 of A-Z a-z 0-9 _ -, not starting with svc-")->required();
  enroll->add_option("--group", enroll_args->group, "Device group")->required();
  enroll->add_option("--out", enroll_args->out, "Directory for ID.key (0600), ID.pem and ca.pem")->required();
  enroll->add_option("--ca-dir", enroll_args->ca_dir, "Fleet directory (default <registry>/fleet)");
  enroll->add_option("--days", enroll_args->days, "Certificate validity in days (default 3650)")->check(CLI::Range(1, 36500));
  enroll->add_flag("--json", enroll_args->json, "Print JSON (keys: id, group, serial, key_path, cert_path, ca_path, not_after)");
  add_registry_option(enroll, enroll_args->registry_dir);
  enroll->callback([enroll_args] { run_fleet_command([&] { run_enroll(*enroll_args); }); });

  auto revoke_args = std::make_shared<EnrolArgs>();
  CLI::App* revoke = devices->add_subcommand("revoke", "Revoke a device's certificate and re-sign the fleet CRL");
  revoke->add_option("id", revoke_args->id, "Device id")->required();
  revoke->add_option("--ca-dir", revoke_args->ca_dir, "Fleet directory (default <registry>/fleet)");
  revoke->add_flag("--json", revoke_args->json, "Print JSON (keys: id, serial, revoked_at, crl_path, crl_entries)");
  add_registry_option(revoke, revoke_args->registry_dir);
  revoke->callback([revoke_args] { run_fleet_command([&] { run_revoke(*revoke_args); }); });
}

}  // namespace tmf::cli
