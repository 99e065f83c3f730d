// `tinymlops collect --device D --samples N`: asks a device for a raw capture (COMMAND collect).
// The DATA segments are stored by a running `tinymlops serve` of the same registry and fleet;
// --wait-seconds waits for that capture to be complete in the store (docs/serve.md).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

#include "host/cli/broker_flags.h"
#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/monitor/ingest.h"

namespace tmf::cli {
namespace {

struct CollectArgs {
  std::string dir, device, fleet = "fleet";
  BrokerFlags broker;
  uint32_t samples = 0;
  double wait_seconds = 0;
  bool json = false;
};

nlohmann::json capture_json(const registry::Registry& reg, const monitor::Capture& c) {
  nlohmann::json j;
  j["capture_id"] = c.id;
  j["device"] = c.device;
  j["samples"] = c.samples;
  j["state"] = c.state;
  j["received_samples"] = c.received_samples;
  j["total_samples"] = c.total_samples ? nlohmann::json(*c.total_samples) : nlohmann::json(nullptr);
  j["sample_rate_hz"] = c.sample_rate_hz ? nlohmann::json(*c.sample_rate_hz) : nlohmann::json(nullptr);
  j["model_id"] = c.model_id ? nlohmann::json(*c.model_id) : nlohmann::json(nullptr);
  j["model_version"] = c.model_version ? nlohmann::json(*c.model_version) : nlohmann::json(nullptr);
  j["path"] = (std::filesystem::path(reg.dir()) / c.path).string();
  return j;
}

void run_collect(const CollectArgs& a) {
  registry::Registry reg(a.dir);
  monitor::TelemetryStore store(reg.db());
  uint32_t id = 0;
  try {
    // A clean session of its own: serve's persistent session must not be taken over.
    fleet::MqttClient client("tinymlops-collect-" + std::to_string(::getpid()), broker_flags_settings(a.broker));
    id = monitor::request_capture(store, reg.db(), client, a.fleet, a.device, a.samples, std::chrono::seconds(5));
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  } catch (const fleet::MqttError& e) {
    throw CliError(e.what(), 1);
  }
  std::optional<monitor::Capture> capture = store.find_capture(id);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(a.wait_seconds);
  while (a.wait_seconds > 0 && capture->state != "complete" && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    capture = store.find_capture(id);
  }
  const nlohmann::json j = capture_json(reg, *capture);
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("capture %u from %s: %s, %u of %u samples%s%s\n", id, a.device.c_str(), capture->state.c_str(),
                capture->received_samples, capture->total_samples.value_or(a.samples),
                capture->state == "complete" ? " in " : "", capture->state == "complete" ? j["path"].get<std::string>().c_str() : "");
  }
  if (a.wait_seconds > 0 && capture->state != "complete") {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%g", a.wait_seconds);
    throw CliError("capture " + std::to_string(id) + ": not complete after " + seconds +
                       " s (is `tinymlops serve` running for fleet " + a.fleet + "?)",
                   1);
  }
}

}  // namespace

void register_collect(CLI::App& app) {
  auto args = std::make_shared<CollectArgs>();
  CLI::App* cmd = app.add_subcommand("collect", "Request a raw data capture from a device (stored by a running serve)");
  cmd->add_option("--device", args->device, "Device id")->required();
  cmd->add_option("--samples", args->samples, "Samples to capture")->required();
  cmd->add_option("--wait-seconds", args->wait_seconds, "Wait until serve has stored the whole capture (default: do not wait)");
  broker_flags_add(cmd, args->broker);
  cmd->add_option("--fleet", args->fleet, "Fleet name in the topics (default fleet)");
  cmd->add_flag("--json", args->json, "Print the capture as JSON (capture_id, state, received_samples, path, ...)");
  add_registry_option(cmd, args->dir);
  cmd->callback([args] { run_registry_command([&] { run_collect(*args); }); });
}

}  // namespace tmf::cli
