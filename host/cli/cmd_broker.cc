// `tinymlops broker config`: a Mosquitto 2 configuration with mutual TLS, the fleet CRL and the ACL
// generated from the protocol's topics (host/fleet/broker_config.h, docs/fleet.md).
#include <arpa/inet.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/cli_common.h"
#include "host/cli/fleet_cli.h"
#include "host/fleet/broker_config.h"

namespace tmf::cli {
namespace {

struct BrokerArgs {
  fleet::BrokerConfigRequest request;
  std::string fleet;
  std::vector<std::string> hosts;
  bool json = false;
};

void run_config(BrokerArgs a) {
  if (!a.fleet.empty()) {
    const fleet::FleetInfo info = fleet::fleet_load(a.request.fleet_dir);
    if (info.fleet != a.fleet) {
      throw CliError("--fleet " + a.fleet + ": the CA in " + a.request.fleet_dir + " serves fleet " + info.fleet, 2);
    }
  }
  // Names given with --host go into the broker certificate beside localhost and 127.0.0.1.
  for (const std::string& h : a.hosts) {
    unsigned char addr[16];
    const bool ip = inet_pton(AF_INET, h.c_str(), addr) == 1 || inet_pton(AF_INET6, h.c_str(), addr) == 1;
    (ip ? a.request.ip_addresses : a.request.dns_names).push_back(h);
  }
  const fleet::BrokerConfig c = fleet::broker_config_write(a.request);
  if (a.json) {
    nlohmann::json j;
    j["fleet"] = c.fleet;
    j["config_path"] = c.config_path;
    j["acl_path"] = c.acl_path;
    j["cert_path"] = c.cert_path;
    j["key_path"] = c.key_path;
    j["ca_path"] = c.ca_path;
    j["crl_path"] = c.crl_path;
    j["port"] = c.port;
    j["bind"] = c.bind;
    j["user"] = c.user;
    j["max_packet_bytes"] = c.max_packet_bytes;
    j["max_queued_messages"] = c.max_queued_messages;
    j["issued_certificate"] = c.issued_certificate;
    j["worker_identities"] = nlohmann::json::array();
    for (const fleet::ServiceWorker& w : c.workers) j["worker_identities"].push_back(fleet::fleet_worker_identity(w.service, w.worker));
    j["broker_serial"] = c.issued_certificate ? nlohmann::json(c.broker_serial) : nlohmann::json(nullptr);
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("fleet %s: TLS listener %s:%d, client certificates required, ACL %s\n  run: mosquitto -c %s\n",
              c.fleet.c_str(), c.bind.c_str(), c.port, c.acl_path.c_str(), c.config_path.c_str());
  std::printf("  broker certificate %s (%s)\n", c.cert_path.c_str(), c.issued_certificate ? "issued now" : "reused");
  for (const fleet::ServiceWorker& w : c.workers) {
    std::printf("  worker identity %s (rights of svc-%s)\n", fleet::fleet_worker_identity(w.service, w.worker).c_str(),
                fleet::fleet_service_to_string(w.service));
  }
}

}  // namespace

void register_broker(CLI::App& app) {
  CLI::App* broker = app.add_subcommand("broker", "The fleet's MQTT broker (Mosquitto 2)");
  broker->require_subcommand(1);
  auto args = std::make_shared<BrokerArgs>();
  CLI::App* config = broker->add_subcommand("config", "Write mosquitto.conf, the ACL and the broker certificate for a fleet");
  config->add_option("--dir", args->request.fleet_dir, "Fleet directory (ca.pem, crl.pem; from `tinymlops fleet init`)")->required();
  config->add_option("--out", args->request.out_dir, "Directory for mosquitto.conf, acl, broker.key, broker.pem")->required();
  config->add_option("--port", args->request.port, "TLS listener port")->required()->check(CLI::Range(1, 65535));
  config->add_option("--bind", args->request.bind, "Listener address (default 127.0.0.1)");
  config->add_option("--user", args->request.user, "Account Mosquitto drops to when started as root (default mosquitto)");
  config->add_option("--fleet", args->fleet, "Check that the CA serves this fleet");
  config->add_option("--max-queued-messages", args->request.max_queued_messages,
                     "Messages the broker queues per client session, e.g. for a restarting serve worker; past it QoS 1 "
                     "messages are dropped and devices resend later (0 = no limit)")
      ->capture_default_str();
  config->add_option("--host", args->hosts, "Further DNS name or IP address for the broker certificate (repeatable)");
  config->add_flag("--json", args->json, "Print JSON (keys: fleet, config_path, acl_path, cert_path, port, bind, worker_identities, ...)");
  config->callback([args] { run_fleet_command([&] { run_config(*args); }); });
}

}  // namespace tmf::cli
