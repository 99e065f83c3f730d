// `tinymlops fleet init|service|crl`: the fleet CA, service identities and the CRL (docs/fleet.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/fleet_cli.h"
#include "host/cli/registry_cli.h"
#include "host/fleet/service_workers.h"

namespace tmf::cli {

void run_fleet_command(const std::function<void()>& body) {
  try {
    run_registry_command(body);
  } catch (const fleet::FleetError& e) {
    throw CliError(e.what(), 2);
  }
}

size_t fleet_crl_rebuild(registry::Registry& reg, const std::string& fleet_dir, int days) {
  std::vector<fleet::Revocation> revoked;
  for (const registry::Enrolment& e : reg.certificates_revoked()) revoked.push_back({e.serial, e.revoked_at.value_or(0)});
  fleet::pki_crl_write(fleet_dir, revoked, days);
  return revoked.size();
}

void fleet_report_revocation(registry::Registry& reg, const std::string& fleet_dir, const registry::Enrolment& e,
                             bool json) {
  const size_t listed = fleet_crl_rebuild(reg, fleet_dir, fleet::kPkiCrlDays);
  const std::string crl = fleet::fleet_paths(fleet_dir).crl;
  if (json) {
    nlohmann::json j;
    j["id"] = e.id;
    j["serial"] = e.serial;
    j["revoked_at"] = *e.revoked_at;
    j["crl_path"] = crl;
    j["crl_entries"] = listed;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("revoked %s (serial %s); %s lists %zu certificate(s).\n  Reload the broker (SIGHUP) to refuse new "
              "connections; restart it to end a live session.\n",
              e.id.c_str(), e.serial.c_str(), crl.c_str(), listed);
}

namespace {

struct FleetArgs {
  std::string registry_dir, dir, fleet = "fleet", name, out, worker;
  int days = 0;
  bool json = false;
};

void print_issued(const fleet::Issued& issued, bool json) {
  if (json) {
    nlohmann::json j;
    j["identity"] = issued.common_name;
    j["serial"] = issued.serial;
    j["key_path"] = issued.key_path;
    j["cert_path"] = issued.cert_path;
    j["ca_path"] = issued.ca_path;
    j["not_after"] = issued.not_after;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: certificate %s (serial %s, valid until %s)\n  key %s (mode 0600)\n  CA %s\n",
              issued.common_name.c_str(), issued.cert_path.c_str(), issued.serial.c_str(), issued.not_after.c_str(),
              issued.key_path.c_str(), issued.ca_path.c_str());
}

void run_init(const FleetArgs& a) {
  const std::string dir = fleet_dir_or_default(a.dir, a.registry_dir);
  const fleet::FleetInfo info = fleet::fleet_init(dir, a.fleet, a.days);
  const fleet::FleetPaths paths = fleet::fleet_paths(dir);
  if (a.json) {
    nlohmann::json j;
    j["fleet"] = info.fleet;
    j["dir"] = dir;
    j["ca_subject"] = info.ca_subject;
    j["ca_serial"] = info.ca_serial;
    j["ca_not_after"] = info.ca_not_after;
    j["ca_key_path"] = paths.ca_key;
    j["ca_cert_path"] = paths.ca_cert;
    j["crl_path"] = paths.crl;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("fleet %s: CA %s (valid until %s)\n  key %s (mode 0600; keep it off the broker host)\n  CRL %s\n",
              info.fleet.c_str(), paths.ca_cert.c_str(), info.ca_not_after.c_str(), paths.ca_key.c_str(),
              paths.crl.c_str());
}

// svc-NAME, or svc-NAME-WORKER with --worker.
std::string service_identity_of(const FleetArgs& a, fleet::FleetService* service_out) {
  const auto service = fleet::fleet_service_parse(a.name);
  if (!service) throw CliError("service '" + a.name + "': not one of serve, deploy, collect, gateway", 2);
  *service_out = *service;
  return a.worker.empty() ? fleet::fleet_service_identity(*service) : fleet::fleet_worker_identity(*service, a.worker);
}

void run_service(const FleetArgs& a) {
  fleet::FleetService service{};
  const std::string identity = service_identity_of(a, &service);
  const std::string dir = fleet_dir_or_default(a.dir, a.registry_dir);
  registry::Registry reg(a.registry_dir);
  fleet::IssueRequest request;
  request.common_name = identity;
  request.days = a.days;
  const fleet::Issued issued = fleet::pki_issue(dir, request, a.out, identity);
  reg.service_enroll(identity, issued.serial);
  // Listed after the registry took the certificate: the broker grants only identities it records.
  const bool new_worker = !a.worker.empty() && fleet::fleet_worker_add(dir, service, a.worker);
  print_issued(issued, a.json);
  if (new_worker && !a.json) {
    std::printf("  new worker identity: regenerate the broker configuration (tinymlops broker config) and reload "
                "the broker (SIGHUP) to grant it\n");
  }
}

void run_revoke_service(const FleetArgs& a) {
  fleet::FleetService service{};
  const std::string identity = service_identity_of(a, &service);
  registry::Registry reg(a.registry_dir);
  const registry::Enrolment e = reg.service_revoke(identity);
  fleet_report_revocation(reg, fleet_dir_or_default(a.dir, a.registry_dir), e, a.json);
}

void run_crl(const FleetArgs& a) {
  const std::string dir = fleet_dir_or_default(a.dir, a.registry_dir);
  registry::Registry reg(a.registry_dir);
  const size_t n = fleet_crl_rebuild(reg, dir, a.days);
  const std::string path = fleet::fleet_paths(dir).crl;
  if (a.json) {
    nlohmann::json j;
    j["crl_path"] = path;
    j["revoked"] = n;
    j["days"] = a.days;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s: %zu revoked certificate(s), valid %d days (reload the broker, SIGHUP, to load it)\n", path.c_str(), n, a.days);
}

void add_dir_option(CLI::App* cmd, FleetArgs& a) {
  cmd->add_option("--dir", a.dir, "Fleet directory with ca.key, ca.pem, crl.pem (default <registry>/fleet)");
  add_registry_option(cmd, a.registry_dir);
}

}  // namespace

void register_fleet(CLI::App& app) {
  CLI::App* fleet = app.add_subcommand("fleet", "The fleet's certificate authority, service identities and CRL");
  fleet->require_subcommand(1);

  auto init_args = std::make_shared<FleetArgs>();
  init_args->days = 7300;
  CLI::App* init = fleet->add_subcommand("init", "Create the fleet CA (EC P-256 key, self-signed certificate) and an empty CRL");
  add_dir_option(init, *init_args);
  init->add_option("--fleet", init_args->fleet, "Fleet name in the topics tmf/<fleet>/... (default fleet)");
  init->add_option("--days", init_args->days, "CA validity in days (default 7300)")->check(CLI::Range(1, 36500));
  init->add_flag("--json", init_args->json, "Print JSON (keys: fleet, dir, ca_subject, ca_serial, ca_not_after, ...)");
  init->callback([init_args] { run_fleet_command([&] { run_init(*init_args); }); });

  auto service_args = std::make_shared<FleetArgs>();
  service_args->days = 3650;
  CLI::App* service = fleet->add_subcommand(
      "service", "Issue a service identity (CN svc-NAME, or svc-NAME-WORKER with --worker) and record it in the registry");
  service->add_option("name", service_args->name, "serve, deploy, collect or gateway")->required();
  service->add_option("--out", service_args->out, "Directory for svc-NAME.key (0600), svc-NAME.pem, ca.pem")->required();
  service->add_option("--worker", service_args->worker,
                      "One worker's own identity svc-NAME-WORKER (e.g. serve --worker-id), with NAME's broker rights, "
                      "listed in FLEETDIR/services.json for `broker config`; revocable alone");
  add_dir_option(service, *service_args);
  service->add_option("--days", service_args->days, "Certificate validity in days (default 3650)")->check(CLI::Range(1, 36500));
  service->add_flag("--json", service_args->json, "Print JSON (keys: identity, serial, key_path, cert_path, ca_path, not_after)");
  service->callback([service_args] { run_fleet_command([&] { run_service(*service_args); }); });

  auto revoke_args = std::make_shared<FleetArgs>();
  CLI::App* revoke = fleet->add_subcommand(
      "revoke", "Revoke a service identity's certificate (a compromised serve/deploy/collect/gateway host) and re-sign the CRL");
  revoke->add_option("name", revoke_args->name, "serve, deploy, collect or gateway")->required();
  revoke->add_option("--worker", revoke_args->worker, "Revoke only this worker's identity svc-NAME-WORKER");
  add_dir_option(revoke, *revoke_args);
  revoke->add_flag("--json", revoke_args->json, "Print JSON (keys: id, serial, revoked_at, crl_path, crl_entries)");
  revoke->callback([revoke_args] { run_fleet_command([&] { run_revoke_service(*revoke_args); }); });

  auto crl_args = std::make_shared<FleetArgs>();
  crl_args->days = fleet::kPkiCrlDays;
  CLI::App* crl = fleet->add_subcommand("crl", "Re-sign crl.pem from the registry's revocations (before it expires)");
  add_dir_option(crl, *crl_args);
  crl->add_option("--days", crl_args->days, "CRL validity in days (default 365)")->check(CLI::Range(1, 3650));
  crl->add_flag("--json", crl_args->json, "Print JSON (keys: crl_path, revoked, days)");
  crl->callback([crl_args] { run_fleet_command([&] { run_crl(*crl_args); }); });
}

}  // namespace tmf::cli
