// `tinymlops gateway --link tcp:HOST:PORT --device ID`: one device's serial link to its MQTT
// topics (docs/link.md, docs/qemu.md). Runs until SIGINT/SIGTERM or --run-seconds.
#include <atomic>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>

#include "device/agent/protocol.h"
#include "host/cli/broker_flags.h"
#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/gateway/gateway.h"

namespace tmf::cli {
namespace {

std::atomic<bool> g_gateway_stop{false};
void gateway_on_signal(int) { g_gateway_stop.store(true); }

struct GatewayArgs {
  std::string link;
  gateway::GatewayOptions options;
  BrokerFlags broker;
  bool json = false;
};

void run_gateway(GatewayArgs& a) {
  a.options.broker = broker_flags_settings(a.broker);
  try {
    gateway::gateway_parse_link(a.link, &a.options.link_host, &a.options.link_port);
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  }
  if (!ota_name_valid(a.options.device.c_str()) || !ota_name_valid(a.options.fleet.c_str())) {
    throw CliError("--device '" + a.options.device + "' / --fleet '" + a.options.fleet +
                       "': 1-32 characters of [A-Za-z0-9_-]",
                   2);
  }
  std::signal(SIGINT, gateway_on_signal);
  std::signal(SIGTERM, gateway_on_signal);
  const auto start = std::chrono::steady_clock::now();
  auto event = [&](const std::string& what, uint32_t session) {
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (a.json) {
      std::cout << nlohmann::json{{"t_s", t}, {"device", a.options.device}, {"event", what}, {"session", session}}.dump()
                << std::endl;
    } else {
      std::cout << "gateway " << a.options.device << ": " << what;
      if (session != 0) std::cout << " (session " << std::hex << session << std::dec << ")";
      std::cout << std::endl;
    }
  };
  gateway::GatewayCounters c;
  try {
    c = gateway::gateway_run(a.options, g_gateway_stop, event);
  } catch (const std::runtime_error& e) {
    throw CliError(std::string("gateway: ") + e.what(), 1);
  }
  const nlohmann::json j = {{"device", a.options.device},          {"sessions", c.sessions},
                            {"uplink_messages", c.uplink_messages}, {"uplink_duplicates", c.uplink_duplicates},
                            {"uplink_out_of_order", c.uplink_out_of_order},
                            {"downlink_messages", c.downlink_messages}, {"downlink_dropped", c.downlink_dropped},
                            {"retransmits", c.retransmits},         {"resyncs", c.resyncs},
                            {"silences", c.silences}};
  if (a.json) {
    std::cout << nlohmann::json{{"event", "stopped"}, {"counters", j}}.dump() << std::endl;
  } else {
    std::cout << "gateway " << a.options.device << ": stopped; " << j.dump() << std::endl;
  }
}

}  // namespace

void register_gateway(CLI::App& app) {
  auto args = std::make_shared<GatewayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gateway",
      "Bridge one device's serial link (docs/link.md), reached as a TCP byte stream, to its MQTT topics "
      "tmf/<fleet>/<device>/<leaf>; survives device and broker restarts");
  cmd->add_option("--link", args->link, "The device's UART as tcp:HOST:PORT (QEMU -serial socket)")->required();
  cmd->add_option("--device", args->options.device, "Device id on MQTT")->required();
  cmd->add_option("--fleet", args->options.fleet, "Fleet name")->capture_default_str();
  broker_flags_add(cmd, args->broker);
  cmd->add_option("--link-kbps", args->options.link_kbps,
                  "Simulate a serial line of this many kbit/s (8 bits per byte) in each direction of the device link "
                  "(QEMU's UART has no speed); 0: as fast as the socket")
      ->check(CLI::Range(0.0, 100000.0));
  cmd->add_option("--run-seconds", args->options.run_seconds, "Stop after this many seconds (0: until signalled)");
  cmd->add_flag("--json", args->json, "Events and the final counters as JSON lines");
  cmd->callback([args] { run_gateway(*args); });
}

}  // namespace tmf::cli
