// `tinymlops deploy MODEL --group G` (staged OTA rollout over MQTT with health gates and
// automatic rollback), `tinymlops rollout status` (per-device progress) and `tinymlops rollout
// pause|resume|cancel ID` (the operator's control, read by the running engine); docs/deploy.md.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cli/broker_flags.h"
#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/deploy/rollout.h"
#include "host/deploy/rollout_control.h"
#include "host/deploy/update_package.h"
#include "host/fleet/mqtt_client.h"

namespace tmf::cli {
namespace {

struct DeployArgs {
  std::string dir, model, stages = "1,10%,100%";
  std::vector<std::string> variants;  // fleet-aware: NAME[:VERSION] in preference order
  deploy::RolloutOptions options;
  BrokerFlags broker;
  bool allow_unenrolled = false;
  double max_alarm_rate = -1;
  bool quiet = false;
  bool json = false;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

void run_deploy(DeployArgs& a) {
  registry::Registry reg(a.dir);
  // MODEL is a registered NAME[:VERSION], or a .tmf file that is registered first.
  registry::VersionInfo version;
  std::vector<registry::VersionInfo> variants;
  for (const std::string& ref : a.variants) variants.push_back(reg.get_version(registry::parse_version_ref(ref)));
  if (a.model.empty()) {
    if (variants.empty()) throw CliError("deploy: give a MODEL or at least one --variant", 2);
    version = variants[0];
  } else if (std::filesystem::is_regular_file(a.model)) {
    registry::AddRequest request;
    request.path = a.model;
    request.bytes = read_file(a.model);
    version = reg.add_version(request).version;
  } else {
    version = reg.get_version(registry::parse_version_ref(a.model));
  }
  deploy::RolloutOptions options = a.options;
  options.stages = split_commas(a.stages);
  options.broker = broker_flags_settings(a.broker);
  if (!a.allow_unenrolled) options.enrolment = fleet::fleet_enrolment_from_registry(reg.dir());
  if (a.max_alarm_rate >= 0) options.max_alarm_rate = a.max_alarm_rate;
  if (!a.quiet) options.log = [](const std::string& line) { std::fprintf(stderr, "deploy: %s\n", line.c_str()); };
  deploy::RolloutResult r;
  try {
    deploy::rollout_stage_sizes(options.stages, 1);  // reject bad --stages before touching the fleet
    if (variants.empty()) {
      r = deploy::rollout_run(reg, version, options);
    } else {
      if (!a.model.empty()) variants.insert(variants.begin(), version);  // MODEL is the first preference
      r = deploy::rollout_run_variants(reg, variants, options);
    }
  } catch (const std::invalid_argument& e) {
    throw CliError(e.what(), 2);
  } catch (const deploy::PackageError& e) {
    throw CliError(e.what(), 2);
  } catch (const fleet::MqttError& e) {
    throw CliError(e.what(), 1);
  }
  nlohmann::json j;
  j["deployment"] = r.deployment;
  j["update_id"] = r.update_id;
  j["model"] = version.name + ":" + std::to_string(version.version);
  j["group"] = options.group;
  j["state"] = r.state;
  j["reason"] = r.reason;
  j["seconds"] = r.seconds;
  j["update_seconds"] = r.update_seconds;
  j["devices"] = r.devices;
  j["healthy"] = r.healthy;
  j["failed"] = r.failed;
  j["rolled_back"] = r.rolled_back;
  j["chunks_sent"] = r.chunks_sent;
  j["bytes_sent"] = r.bytes_sent;
  j["chunks_resent"] = r.chunks_resent;
  j["broker_reconnects"] = r.broker_reconnects;
  if (!variants.empty()) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& v : variants) names.push_back(v.name + ":" + std::to_string(v.version));
    j["variants"] = names;
    j["refused"] = r.refused;
    j["assigned"] = r.assigned;  // device -> variant ("" if refused)
    j["refusals"] = r.refusals;  // device -> reason
  }
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("deployment %lld: %s to group %s: %s in %.1f s (%u healthy, %u failed, %u rolled back)%s%s\n",
                static_cast<long long>(r.deployment), j["model"].get<std::string>().c_str(), options.group.c_str(),
                registry::to_string(r.state), r.seconds, r.healthy, r.failed, r.rolled_back, r.reason.empty() ? "" : ": ",
                r.reason.c_str());
    if (!variants.empty()) std::printf("  %u device(s) refused: no variant fits\n", r.refused);
    for (const auto& [device, label] : r.assigned) {
      if (variants.empty()) break;
      std::printf("  %-20s %s\n", device.c_str(), label.empty() ? ("refused: " + r.refusals[device]).c_str() : label.c_str());
    }
  }
  if (r.state != registry::DeploymentState::kCompleted) {
    throw CliError("deployment " + std::to_string(r.deployment) + " " + registry::to_string(r.state) + ": " + r.reason, 1);
  }
}

struct StatusArgs {
  std::string dir;
  int64_t id = 0;
  bool json = false;
};

void run_status(const StatusArgs& a) {
  registry::Registry reg(a.dir);
  std::optional<registry::DeploymentInfo> d;
  if (a.id > 0) {
    d = reg.find_deployment(a.id);
    if (!d) throw CliError("--id " + std::to_string(a.id) + ": no such deployment in " + reg.dir(), 2);
  } else {
    const auto all = reg.list_deployments();
    if (all.empty()) throw CliError(reg.dir() + ": no deployments yet", 2);
    d = all.back();
  }
  const auto devices = reg.deployment_devices(d->id);
  nlohmann::json j;
  j["deployment"] = d->id;
  j["model"] = d->model_name + ":" + std::to_string(d->model_version);
  j["group"] = d->group;
  j["stages"] = nlohmann::json::parse(d->stages_json);
  j["gates"] = nlohmann::json::parse(d->gates_json);
  j["current_stage"] = d->current_stage + 1;
  j["state"] = d->state;
  j["reason"] = d->reason;
  j["created_at"] = d->created_at;
  j["updated_at"] = d->updated_at;
  nlohmann::json rows = nlohmann::json::array();
  std::map<std::string, int> counts;
  for (const auto& row : devices) {
    nlohmann::json r;
    r["device"] = row.device;
    r["stage"] = row.stage + 1;
    r["state"] = row.state;
    r["result_code"] = row.result_code ? nlohmann::json(*row.result_code) : nlohmann::json(nullptr);
    r["detail"] = row.detail;
    r["chunks_sent"] = row.chunks_sent;
    r["bytes_sent"] = row.bytes_sent;
    r["updated_at"] = row.updated_at;
    rows.push_back(r);
    counts[registry::to_string(row.state)] += 1;
  }
  j["devices"] = rows;
  j["counts"] = counts;
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("deployment %lld: %s to group %s, stages %s: %s (stage %d)%s%s\n", static_cast<long long>(d->id),
              j["model"].get<std::string>().c_str(), d->group.c_str(), j["stages"].dump().c_str(), registry::to_string(d->state),
              d->current_stage + 1, d->reason.empty() ? "" : ": ", d->reason.c_str());
  std::printf("  %-20s %5s %-13s %6s %10s  %s\n", "device", "stage", "state", "result", "bytes", "detail");
  for (const auto& row : devices) {
    std::printf("  %-20s %5d %-13s %6s %10llu  %s\n", row.device.c_str(), row.stage + 1, registry::to_string(row.state),
                row.result_code ? std::to_string(*row.result_code).c_str() : "-",
                static_cast<unsigned long long>(row.bytes_sent), row.detail.c_str());
  }
}

struct ControlArgs {
  std::string dir, by, reason;
  int64_t id = 0;
  bool json = false;
};

void run_control(const ControlArgs& a, deploy::RolloutAction action) {
  registry::Registry reg(a.dir);
  registry::DeploymentInfo d;
  try {
    d = deploy::rollout_control(reg, a.id, action, a.by.empty() ? os_user() : a.by, a.reason);
  } catch (const deploy::RolloutControlError& e) {
    // No such id: bad input (2); a state that does not allow it: the request failed (1).
    throw CliError(e.what(), e.refusal() == deploy::RolloutControlRefusal::kRolloutControlNotFound ? 2 : 1);
  }
  if (a.json) {
    nlohmann::json j = {{"deployment", d.id}, {"model", d.model_name + ":" + std::to_string(d.model_version)},
                        {"group", d.group},   {"state", d.state},
                        {"reason", d.reason}, {"current_stage", d.current_stage + 1}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("deployment %lld (%s:%u to %s): %s%s%s\n", static_cast<long long>(d.id), d.model_name.c_str(), d.model_version,
              d.group.c_str(), registry::to_string(d.state), d.reason.empty() ? "" : ": ", d.reason.c_str());
}

}  // namespace

void register_deploy(CLI::App& app) {
  auto args = std::make_shared<DeployArgs>();
  CLI::App* cmd = app.add_subcommand("deploy", "Roll a signed model out to a device group over MQTT, in stages");
  cmd->add_option("model", args->model, "NAME[:VERSION] in the registry, or a signed .tmf file (registered first)");
  cmd->add_option("--variant", args->variants,
                  "Fleet-aware: a registered NAME[:VERSION], repeatable, most preferred first; each device gets the "
                  "first that fits its reported RAM, slot and opcodes, a device none fits is refused");
  cmd->add_option("--group", args->options.group, "Device group")->required();
  cmd->add_option("--stages", args->stages, "Cumulative stage sizes: counts or percentages (default 1,10%,100%)");
  broker_flags_add(cmd, args->broker);
  cmd->add_flag("--allow-unenrolled", args->allow_unenrolled,
                "Lab only: roll out to devices that are not enrolled, grouped by their own INFO (default: the "
                "enrolled devices of the group)");
  cmd->add_option("--fleet", args->options.fleet, "Fleet name in the topics tmf/<fleet>/<device>/... (default fleet)");
  cmd->add_option("--chunk-bytes", args->options.chunk_bytes, "Largest chunk served (default 4096)");
  cmd->add_option("--discover-seconds", args->options.discover_seconds, "Listen for devices before starting (default 2)");
  cmd->add_option("--gate-seconds", args->options.gate_seconds, "Health-gate observation after confirm (default 3)");
  cmd->add_option("--resend-seconds", args->options.resend_seconds, "Repeat the manifest to a device silent this long (default 5)");
  cmd->add_option("--stage-timeout", args->options.stage_timeout_seconds, "Seconds before an unfinished device counts as failed (default 900)");
  cmd->add_option("--max-failures", args->options.max_failures, "Failed devices a stage tolerates before halt and rollback (default 0)");
  cmd->add_option("--max-alarm-rate", args->max_alarm_rate,
                  "Health gate: highest alarm rate (alarms per window, 0..1) in the device's telemetry with the new model");
  cmd->add_option("--max-dropped-batches", args->options.max_dropped_batches,
                  "Health gate: telemetry batches the device may drop while on the new model");
  cmd->add_option("--max-reboots", args->options.max_reboots, "Health gate: reboots allowed while on the new model");
  cmd->add_option("--max-inference-cycles", args->options.max_inference_cycles,
                  "Health gate: highest mean inference cycles per window the device may report");
  cmd->add_option("--min-telemetry-batches", args->options.min_telemetry_batches,
                  "Health gate: telemetry batches with the new model the gate must see (default 0)");
  cmd->add_option("--signing-key", args->options.record_key,
                  "Secret key file that signs the deployment records (fleet, group, sequence; docs/protocol.md); "
                  "needed unless the registry holds approved records for this deployment");
  cmd->add_option("--security-counter", args->options.security_counter,
                  "Anti-rollback counter the records carry; devices never run a model below the highest they confirmed (default 0)");
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->add_flag("--json", args->json, "Print the result as JSON (keys: deployment, state, seconds, devices, healthy, ...)");
  add_registry_option(cmd, args->dir);
  cmd->callback([args] { run_registry_command([&] { run_deploy(*args); }); });

  CLI::App* rollout = app.add_subcommand("rollout", "Deployments and their per-device progress");
  rollout->require_subcommand(1);
  auto status_args = std::make_shared<StatusArgs>();
  CLI::App* status = rollout->add_subcommand("status", "Show a deployment (default: the latest) device by device");
  status->add_option("--id", status_args->id, "Deployment id");
  status->add_flag("--json", status_args->json, "Print JSON (keys: deployment, state, stages, devices[], counts)");
  add_registry_option(status, status_args->dir);
  status->callback([status_args] { run_registry_command([&] { run_status(*status_args); }); });

  struct Control {
    const char* name;
    deploy::RolloutAction action;
    const char* help;
  };
  for (const Control& c : {Control{"pause", deploy::RolloutAction::kRolloutActionPause,
                                   "Pause a running deployment: devices in flight finish, no further device is offered"},
                           Control{"resume", deploy::RolloutAction::kRolloutActionResume,
                                   "Resume a paused deployment (the process running it, or the next `deploy` of it, goes on)"},
                           Control{"cancel", deploy::RolloutAction::kRolloutActionCancel,
                                   "Cancel a running or paused deployment: nothing more is offered, downloads in flight stop, "
                                   "devices already updated keep the model (no rollback)"}}) {
    auto control_args = std::make_shared<ControlArgs>();
    CLI::App* sub = rollout->add_subcommand(c.name, c.help);
    sub->add_option("id", control_args->id, "Deployment id (`rollout status`)")->required();
    sub->add_option("--by", control_args->by, "Who asks, recorded in the deployment's reason (default: the OS user)");
    sub->add_option("--reason", control_args->reason, "Why, recorded in the deployment's reason");
    sub->add_flag("--json", control_args->json, "Print the deployment as it is now as JSON (keys: deployment, state, reason, ...)");
    add_registry_option(sub, control_args->dir);
    const deploy::RolloutAction action = c.action;
    sub->callback([control_args, action] { run_registry_command([&] { run_control(*control_args, action); }); });
  }
}

}  // namespace tmf::cli
