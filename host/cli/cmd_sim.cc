// `tinymlops sim --devices N --scenario FILE`: a fleet of virtual devices (the real device code)
// sensing a scenario's machines through a broker, against a running `tinymlops serve`; prints
// the timeline and the summary, writes an HTML report, and exits 0 only if the loop closed
// (docs/sim.md).
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cli/broker_flags.h"
#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/fleet/identity.h"
#include "host/fleet/pki.h"
#include "host/registry/registry.h"
#include "host/sim/sim_error.h"
#include "host/simulator/fleet.h"
#include "host/simulator/judge.h"

namespace tmf::cli {
namespace {

struct SimArgs {
  simulator::FleetOptions fleet;
  simulator::JudgeOptions judge;
  BrokerFlags broker;
  std::string report, summary_path;
  bool json = false;
  bool quiet = false;
};

// The devices' broker: on this host (the virtual devices' MQTT link reaches 127.0.0.1 only); with
// mqtts:// each device has its own identity from --ca-dir, so no client certificate is taken here.
void sim_check_args(SimArgs& args) {
  if (args.fleet.bare_metal > 0) {
    if (args.fleet.qemu_device_script.empty()) throw CliError("sim: --bare-metal needs --qemu-device scripts/qemu-device.sh", 2);
    std::error_code ec;
    args.fleet.gateway_cli = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) throw CliError("sim: cannot find this program's path for `tinymlops gateway`: " + ec.message(), 1);
  }
  BrokerFlags& f = args.broker;
  if (!f.cert.empty() || !f.key.empty() || !f.username.empty() || !f.password_file.empty()) {
    throw CliError("sim: --cert/--key/--username/--password-file are not used: every device connects with its own "
                   "certificate, issued from --ca-dir",
                   2);
  }
  if (f.ca.empty() && !args.fleet.ca_dir.empty()) f.ca = fleet::fleet_paths(args.fleet.ca_dir).ca_cert;
  args.fleet.broker = broker_flags_settings(f);
  const std::string& host = args.fleet.broker.host;
  if (host != "127.0.0.1" && host != "localhost") {
    throw CliError("sim: --broker host '" + host + "': the virtual devices connect to a broker on 127.0.0.1 only", 2);
  }
  if (args.fleet.broker.tls && args.fleet.ca_dir.empty()) {
    throw CliError("sim: --broker " + args.fleet.broker.url() + " needs --ca-dir FLEETDIR to issue each device's identity", 2);
  }
}

int run_sim(SimArgs& args) {
  sim_check_args(args);
  if (args.fleet.registry_dir.empty()) args.fleet.registry_dir = registry::Registry::default_dir();
  if (args.fleet.work_dir.empty()) args.fleet.work_dir = args.fleet.registry_dir + "/sim-devices";
  args.judge.registry_dir = args.fleet.registry_dir;
  if (!args.quiet) {
    const bool json = args.json;
    args.fleet.log = [json](const nlohmann::json& e) {
      if (json) {
        std::fprintf(stderr, "%s\n", e.dump().c_str());
      } else {
        std::fprintf(stderr, "sim: %s\n", e.dump().c_str());
      }
    };
  }
  const simulator::FleetResult run = simulator::fleet_run(args.fleet);
  const simulator::JudgeResult result = simulator::judge(run, args.judge);
  if (!args.report.empty()) {
    const std::string html = simulator::judge_report_html(run, result);
    write_file_atomic(args.report, reinterpret_cast<const uint8_t*>(html.data()), html.size());
  }
  if (!args.summary_path.empty()) {
    const std::string text = result.summary.dump(2) + "\n";
    write_file_atomic(args.summary_path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }
  if (args.json) {
    nlohmann::json j = result.summary;
    nlohmann::json timeline = nlohmann::json::array();
    for (const simulator::TimelineEntry& e : result.timeline) timeline.push_back({{"t_s", e.t_s}, {"what", e.what}});
    j["timeline"] = timeline;
    if (!args.report.empty()) j["report"] = args.report;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("Timeline (scenario seconds; negative: before every device ran a model)\n");
    for (const simulator::TimelineEntry& e : result.timeline) std::printf("  %8.0f  %s\n", e.t_s, e.what.c_str());
    const nlohmann::json& s = result.summary;
    std::printf("\nSummary\n");
    std::printf("  devices %zu virtual + %zu bare-metal, scenario %.0f s at %.0fx, commissioned after %.1f s wall, run %.1f s wall\n",
                run.devices.size(), run.bare_metal.size(), run.scenario.duration_s, run.scenario.speed,
                run.commission_wall_s, run.run_wall_s);
    for (const auto& b : s["bare_metal"]) {
      const std::string version = b["model_version"].is_null() ? "no model" : "model v" + b["model_version"].dump();
      std::printf("  bare-metal %s (%s firmware under QEMU, serial link + tinymlops gateway): %s (its STATUS), %s; "
                  "%s telemetry batches stored, %s captures complete; sensor: %s windows and %s captures streamed\n",
                  b["id"].get<std::string>().c_str(), b["core"].get<std::string>().c_str(), version.c_str(),
                  b["online"].get<bool>() ? "online" : "offline", b["telemetry_batches_stored"].dump().c_str(),
                  b["captures_complete"].dump().c_str(), b["windows_streamed"].dump().c_str(),
                  b["captures_streamed"].dump().c_str());
    }
    for (const auto& v : s["versions"]) {
      std::printf("  model v%u: %s (%s)\n", v["version"].get<uint32_t>(), v["stage"].get<std::string>().c_str(),
                  v["reason"].get<std::string>().substr(0, 100).c_str());
    }
    std::printf("  alarms raised %llu, false alarms %llu (%llu on a model trained before the change)\n",
                static_cast<unsigned long long>(s["alarms_raised"].get<uint64_t>()),
                static_cast<unsigned long long>(s["false_alarms"].get<uint64_t>()),
                static_cast<unsigned long long>(s["false_alarms_on_models_trained_before_the_change"].get<uint64_t>()));
    std::printf("  telemetry: %s\n", s["telemetry"].dump().c_str());
    std::printf("\nChecks\n");
    for (const simulator::Check& c : result.checks) {
      std::printf("  [%s] %s: %s\n", c.passed ? "ok" : "FAILED", c.name.c_str(), c.detail.c_str());
    }
    std::printf("\nThe loop %s.\n", result.closed ? "closed" : "did NOT close");
    if (!args.report.empty()) std::printf("report: %s\n", args.report.c_str());
  }
  return result.closed ? 0 : 3;
}

}  // namespace

void register_sim(CLI::App& app) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim", "Run a fleet of virtual devices through a scenario against `tinymlops serve`; exit 0 only if the loop closed");
  cmd->add_option("--scenario", args->fleet.scenario_path, "Scenario file (JSON, docs/sim.md)")->required();
  cmd->add_option("--devices", args->fleet.devices, "Devices of the scenario's (single) group instead of the file's count");
  broker_flags_add(cmd, args->broker);
  cmd->add_option("--ca-dir", args->fleet.ca_dir,
                  "Fleet directory (tinymlops fleet init): with --broker mqtts://, issue and enrol every device's own "
                  "certificate (kept in WORK/ids)");
  cmd->add_option("--registry", args->fleet.registry_dir, "Registry folder serve writes (default $TINYMLOPS_REGISTRY or ./.tinymlops)");
  add_database_option(cmd);  // the database serve writes, when it is not REGISTRY/registry.db
  cmd->add_option("--work", args->fleet.work_dir, "Folder for the devices' flash images (default REGISTRY/sim-devices)");
  cmd->add_option("--bare-metal", args->fleet.bare_metal,
                  "Bare-metal devices to add to the first group: the firmware under QEMU (--qemu-device), each "
                  "behind its own `tinymlops gateway`")->capture_default_str();
  cmd->add_option("--qemu-device", args->fleet.qemu_device_script, "scripts/qemu-device.sh (needed with --bare-metal)");
  cmd->add_option("--firmware", args->fleet.firmware, "Firmware image for the bare-metal devices (default: the script's)");
  cmd->add_option("--bare-metal-core", args->fleet.bare_metal_core, "cortex-m3, cortex-m4 or cortex-m7")
      ->capture_default_str();
  cmd->add_option("--trusted-key", args->fleet.trusted_keys, "Public key file the devices trust (repeatable)")->required();
  cmd->add_option("--model-name", args->judge.model_name, "The model the loop trains (as serve --model-name)")->capture_default_str();
  cmd->add_option("--max-drift-delay-s", args->judge.max_drift_delay_s,
                  "Scenario seconds within which the change must be detected (default: 4 telemetry batches)");
  cmd->add_option("--commission-timeout", args->fleet.commission_timeout_s,
                  "Wall seconds to wait until every device runs a model")->capture_default_str();
  cmd->add_flag("--no-operator", [args](int64_t) { args->fleet.operator_labels = false; },
                "Do not label alarms (by default a simulated operator labels each from the ground truth)");
  cmd->add_option("--report", args->report, "Write an HTML report (checks, scores over time, timeline)");
  cmd->add_option("--summary", args->summary_path, "Write the summary as JSON to this file");
  cmd->add_flag("--json", args->json, "Print the summary and timeline as JSON (progress as JSON lines on stderr)");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress on stderr");
  cmd->callback([args] {
    int code = 0;
    try {
      code = run_sim(*args);
    } catch (const CliError&) {
      throw;
    } catch (const sim::SimError& e) {
      throw CliError(e.what(), 2);
    } catch (const fleet::FleetError& e) {
      throw CliError(e.what(), 2);
    } catch (const std::runtime_error& e) {
      throw CliError(e.what(), 1);
    }
    if (code != 0) throw CliError("the loop did not close (see the failed checks)", code);
  });
}

}  // namespace tmf::cli
