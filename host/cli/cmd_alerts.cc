// `tinymlops alerts list|ack|label`: the operator's view of device alarms and drift alerts, and
// the true/false labels that feed the next training set (docs/serve.md).
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/monitor/alerts.h"
#include "host/monitor/telemetry_store.h"

namespace tmf::cli {
namespace {

struct AlertsArgs {
  std::string dir, state = "open", kind, device, verdict, note;
  int64_t id = 0;
  bool json = false;
};

using monitor::utc_text;

nlohmann::json alert_json(const monitor::Alert& a) {
  nlohmann::json j;
  j["id"] = a.id;
  j["kind"] = a.kind;
  j["source"] = a.source;
  j["subject"] = a.subject;
  j["device"] = a.device ? nlohmann::json(*a.device) : nlohmann::json(nullptr);
  j["group"] = a.group ? nlohmann::json(*a.group) : nlohmann::json(nullptr);
  j["model_id"] = a.model_id ? nlohmann::json(*a.model_id) : nlohmann::json(nullptr);
  j["model_version"] = a.model_version ? nlohmann::json(*a.model_version) : nlohmann::json(nullptr);
  j["raised_at"] = utc_text(a.raised_at_ms);
  j["raised_at_ms"] = a.raised_at_ms;
  j["detail"] = nlohmann::json::parse(a.detail_json);
  j["state"] = a.state;
  j["label"] = a.label ? nlohmann::json(*a.label) : nlohmann::json(nullptr);
  j["label_note"] = a.label_note ? nlohmann::json(*a.label_note) : nlohmann::json(nullptr);
  j["labelled_at"] = a.labelled_at_ms ? nlohmann::json(utc_text(*a.labelled_at_ms)) : nlohmann::json(nullptr);
  return j;
}

void run_list(const AlertsArgs& a) {
  if (a.state != "open" && a.state != "acked" && a.state != "all") throw CliError("--state " + a.state + ": open, acked or all", 2);
  if (!a.kind.empty() && a.kind != "alarm" && a.kind != "drift") throw CliError("--kind " + a.kind + ": alarm or drift", 2);
  registry::Registry reg(a.dir);
  monitor::AlertStore store(reg.db());
  monitor::AlertFilter filter;
  if (a.state != "all") filter.state = a.state;
  if (!a.kind.empty()) filter.kind = a.kind;
  if (!a.device.empty()) filter.device = a.device;
  nlohmann::json all = nlohmann::json::array();
  for (const monitor::Alert& alert : store.list(filter)) all.push_back(alert_json(alert));
  if (a.json) {
    std::printf("%s\n", all.dump(2).c_str());
    return;
  }
  std::printf("%-6s %-6s %-6s %-22s %-12s %-20s %-6s %-6s %s\n", "id", "kind", "source", "subject", "model", "raised",
              "state", "label", "detail");
  for (const auto& j : all) {
    char model[32] = "-";
    if (!j["model_id"].is_null()) {
      std::snprintf(model, sizeof model, "0x%08x:%u", j["model_id"].get<uint32_t>(), j["model_version"].get<uint32_t>());
    }
    const std::string label = j["label"].is_null() ? "-" : (j["label"].get<bool>() ? "true" : "false");
    std::printf("%-6lld %-6s %-6s %-22s %-12s %-20s %-6s %-6s %s\n", static_cast<long long>(j["id"].get<int64_t>()),
                j["kind"].get<std::string>().c_str(), j["source"].get<std::string>().c_str(),
                j["subject"].get<std::string>().c_str(), model, j["raised_at"].get<std::string>().c_str(),
                j["state"].get<std::string>().c_str(), label.c_str(), j["detail"].dump().c_str());
  }
}

void run_ack(const AlertsArgs& a) {
  registry::Registry reg(a.dir);
  monitor::AlertStore store(reg.db());
  store.ack(a.id);
  const auto alert = store.find(a.id);
  if (a.json) {
    std::printf("%s\n", alert_json(*alert).dump(2).c_str());
  } else {
    std::printf("alert %lld acked\n", static_cast<long long>(a.id));
  }
}

void run_label(const AlertsArgs& a) {
  if (a.verdict != "true" && a.verdict != "false") throw CliError("label '" + a.verdict + "': true or false", 2);
  registry::Registry reg(a.dir);
  monitor::AlertStore store(reg.db());
  store.label(a.id, a.verdict == "true", a.note.empty() ? std::nullopt : std::optional<std::string>(a.note),
              monitor::unix_ms_now());
  const auto alert = store.find(a.id);
  if (a.json) {
    std::printf("%s\n", alert_json(*alert).dump(2).c_str());
  } else {
    std::printf("alert %lld labelled %s\n", static_cast<long long>(a.id), a.verdict == "true" ? "a true alarm" : "a false alarm");
  }
}

}  // namespace

void register_alerts(CLI::App& app) {
  CLI::App* alerts = app.add_subcommand("alerts", "Device alarms and drift alerts: list, acknowledge, label");
  alerts->require_subcommand(1);

  auto list_args = std::make_shared<AlertsArgs>();
  CLI::App* list = alerts->add_subcommand("list", "List alerts (default: open ones)");
  list->add_option("--state", list_args->state, "open, acked or all (default open)");
  list->add_option("--kind", list_args->kind, "alarm or drift");
  list->add_option("--device", list_args->device, "Only alerts about this device");
  list->add_flag("--json", list_args->json, "Print a JSON array of alerts");
  add_registry_option(list, list_args->dir);
  list->callback([list_args] { run_registry_command([&] { run_list(*list_args); }); });

  auto ack_args = std::make_shared<AlertsArgs>();
  CLI::App* ack = alerts->add_subcommand("ack", "Acknowledge an alert (a drift alert may then be raised again)");
  ack->add_option("id", ack_args->id, "Alert id")->required();
  ack->add_flag("--json", ack_args->json, "Print the alert as JSON");
  add_registry_option(ack, ack_args->dir);
  ack->callback([ack_args] { run_registry_command([&] { run_ack(*ack_args); }); });

  auto label_args = std::make_shared<AlertsArgs>();
  CLI::App* label = alerts->add_subcommand("label", "Mark an alert a true or a false alarm");
  label->add_option("id", label_args->id, "Alert id")->required();
  label->add_option("verdict", label_args->verdict, "true or false")->required();
  label->add_option("--note", label_args->note, "Free text kept with the label");
  label->add_flag("--json", label_args->json, "Print the alert as JSON");
  add_registry_option(label, label_args->dir);
  label->callback([label_args] { run_registry_command([&] { run_label(*label_args); }); });
}

}  // namespace tmf::cli
