// `tinymlops collect --device D --samples N`: asks a device for a raw capture (COMMAND collect).
// The DATA segments are stored, in the registry's database, by a running `tinymlops serve` of the
// same registry and fleet; --wait-seconds waits for that capture to be complete in the store and
// --out writes its samples to a file (docs/serve.md). `collect --capture ID --out FILE` exports a
// capture stored earlier without asking the device again.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
  std::string dir, device, fleet = "fleet", out;
  BrokerFlags broker;
  uint32_t samples = 0, capture = 0;
  double wait_seconds = 0;
  bool json = false;
};

nlohmann::json capture_json(const monitor::Capture& c) {
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
  j["samples_missing"] = c.samples_missing;
  return j;
}

// Writes the capture's stored samples (float32 little-endian, as received so far) to `out` through
// a temporary file and a rename, so an interrupted export leaves no partial FILE; returns bytes.
size_t export_samples(monitor::TelemetryStore& store, const monitor::Capture& c, const std::string& out) {
  std::string bytes;
  try {
    bytes = store.capture_data(c.id);
  } catch (const monitor::CaptureSamplesMissing& e) {
    throw CliError(e.what(), 1);
  }
  const std::string tmp = out + ".tmp";
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) throw CliError("--out " + out + ": cannot write " + tmp, 1);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, out, ec);
  if (ec) throw CliError("--out " + out + ": " + ec.message(), 1);
  return bytes.size();
}

void print_capture(const CollectArgs& a, const monitor::Capture& c, monitor::TelemetryStore& store) {
  nlohmann::json j = capture_json(c);
  std::optional<size_t> written;
  if (!a.out.empty() && (c.received_samples > 0 || c.samples_missing)) written = export_samples(store, c, a.out);
  if (written) {
    j["out"] = a.out;
    j["out_bytes"] = *written;
  }
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("capture %u from %s: %s, %u of %u samples", c.id, c.device.c_str(), c.state.c_str(), c.received_samples,
              c.total_samples.value_or(c.samples));
  if (written) {
    std::printf(", %zu bytes of float32 written to %s\n", *written, a.out.c_str());
  } else if (c.samples_missing) {
    std::printf(", samples missing (received before schema 16; their file was never copied into the registry)\n");
  } else if (c.received_samples > 0) {
    std::printf(" in the registry (export with: collect --capture %u --out FILE)\n", c.id);
  } else {
    std::printf("\n");
  }
}

void run_collect(const CollectArgs& a) {
  registry::Registry reg(a.dir);
  monitor::TelemetryStore store(reg.db());
  if (a.capture > 0) {
    if (!a.device.empty() || a.samples > 0) throw CliError("--capture exports a stored capture: no --device or --samples", 2);
    std::optional<monitor::Capture> c = store.find_capture(a.capture);
    if (!c) throw CliError("--capture " + std::to_string(a.capture) + ": no such capture in " + reg.db().path(), 2);
    print_capture(a, *c, store);
    return;
  }
  if (a.device.empty() || a.samples == 0) throw CliError("--device and --samples are required (or --capture ID)", 2);
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
  print_capture(a, *capture, store);
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
  CLI::App* cmd = app.add_subcommand("collect", "Request a raw data capture from a device (stored by a running serve), or export a stored one");
  cmd->add_option("--device", args->device, "Device id (with --samples: request a new capture)");
  cmd->add_option("--samples", args->samples,
                  "Samples to capture, at most " + std::to_string(monitor::kCaptureMaxSamples));
  cmd->add_option("--capture", args->capture, "Export the stored capture with this id instead of requesting one");
  cmd->add_option("--out", args->out,
                  "Write the capture's samples as received (float32 little-endian, from sample 0) to this file");
  cmd->add_option("--wait-seconds", args->wait_seconds, "Wait until serve has stored the whole capture (default: do not wait)");
  broker_flags_add(cmd, args->broker);
  cmd->add_option("--fleet", args->fleet, "Fleet name in the topics (default fleet)");
  cmd->add_flag("--json", args->json,
                "Print the capture as JSON (capture_id, state, received_samples, samples_missing, out, ...)");
  add_registry_option(cmd, args->dir);
  cmd->callback([args] { run_registry_command([&] { run_collect(*args); }); });
}

}  // namespace tmf::cli
