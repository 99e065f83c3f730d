// `tinymlops devices list|show`: the fleet as the registry knows it (devices announce themselves
// over MQTT during `deploy`; docs/registry.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/commands.h"
#include "host/cli/registry_cli.h"
#include "host/fleet/device_fault.h"

namespace tmf::cli {
namespace {

struct DevicesArgs {
  std::string dir, group, id;
  bool json = false;
};

// "name:version" when the registry knows the model, else "0xMODELID:version"; null if none.
nlohmann::json model_ref(registry::Registry& reg, const std::optional<uint32_t>& model_id,
                         const std::optional<uint32_t>& version) {
  if (!model_id || !version) return nullptr;
  if (const auto v = reg.find_version_by_model(*model_id, *version)) return v->name + ":" + std::to_string(v->version);
  char text[32];
  std::snprintf(text, sizeof text, "0x%08x:%u", *model_id, *version);
  return text;
}

nlohmann::json device_json(registry::Registry& reg, const registry::DeviceInfo& d) {
  nlohmann::json j;
  j["id"] = d.id;
  j["group"] = d.group;
  j["core"] = d.profile.core;
  j["ram_bytes"] = d.profile.ram_bytes;
  j["flash_bytes"] = d.profile.flash_bytes;
  j["clock_hz"] = d.profile.clock_hz;
  j["current_model"] = model_ref(reg, d.current_model_id, d.current_version);
  j["previous_model"] = model_ref(reg, d.previous_model_id, d.previous_version);
  j["online"] = d.online;
  j["last_seen"] = d.last_seen ? nlohmann::json(*d.last_seen) : nlohmann::json(nullptr);
  j["last_fault"] = fleet::device_fault_json(d.last_fault);
  return j;
}

std::string text_of(const nlohmann::json& j) { return j.is_null() ? "-" : j.get<std::string>(); }

void run_list(const DevicesArgs& a) {
  registry::Registry reg(a.dir);
  const auto devices = reg.list_devices(a.group.empty() ? std::nullopt : std::optional<std::string>(a.group));
  nlohmann::json all = nlohmann::json::array();
  for (const auto& d : devices) all.push_back(device_json(reg, d));
  if (a.json) {
    std::printf("%s\n", all.dump(2).c_str());
    return;
  }
  std::printf("%-20s %-12s %-12s %8s %9s %-7s %-24s %s\n", "device", "group", "core", "ram", "flash", "online", "model",
              "last fault");
  for (size_t i = 0; i < all.size(); ++i) {
    const nlohmann::json& j = all[i];
    std::printf("%-20s %-12s %-12s %8llu %9llu %-7s %-24s %s\n", j["id"].get<std::string>().c_str(),
                j["group"].get<std::string>().c_str(), j["core"].get<std::string>().c_str(),
                static_cast<unsigned long long>(j["ram_bytes"].get<uint64_t>()),
                static_cast<unsigned long long>(j["flash_bytes"].get<uint64_t>()), j["online"].get<bool>() ? "yes" : "no",
                text_of(j["current_model"]).c_str(), fleet::device_fault_cell(devices[i].last_fault).c_str());
  }
}

void run_show(const DevicesArgs& a) {
  registry::Registry reg(a.dir);
  const auto d = reg.find_device(a.id);
  if (!d) throw CliError("device '" + a.id + "': not in the registry " + reg.dir(), 2);
  const nlohmann::json j = device_json(reg, *d);
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s  group %s  %s\n", d->id.c_str(), d->group.c_str(), d->online ? "online" : "offline");
  std::printf("  hardware: %s, %llu B RAM, %llu B flash, %llu Hz\n", d->profile.core.c_str(),
              static_cast<unsigned long long>(d->profile.ram_bytes), static_cast<unsigned long long>(d->profile.flash_bytes),
              static_cast<unsigned long long>(d->profile.clock_hz));
  std::printf("  current model: %s\n  previous model: %s\n  last seen: %s\n", text_of(j["current_model"]).c_str(),
              text_of(j["previous_model"]).c_str(), text_of(j["last_seen"]).c_str());
  if (d->last_fault) {
    const nlohmann::json& f = j["last_fault"];
    std::printf("  last fault: %s (%s), pc %s, at %s\n", d->last_fault->name.c_str(),
                f["description"].get<std::string>().c_str(), f["pc"].get<std::string>().c_str(), d->last_fault->at.c_str());
  } else {
    std::printf("  last fault: -\n");
  }
}

}  // namespace

void register_devices(CLI::App& app) {
  CLI::App* devices = app.add_subcommand("devices", "The device fleet: groups, hardware, current models");
  devices->require_subcommand(1);

  auto list_args = std::make_shared<DevicesArgs>();
  CLI::App* list = devices->add_subcommand("list", "List devices");
  list->add_option("--group", list_args->group, "Only devices of this group");
  list->add_flag("--json", list_args->json, "Print a JSON array of devices");
  add_registry_option(list, list_args->dir);
  list->callback([list_args] { run_registry_command([&] { run_list(*list_args); }); });

  auto show_args = std::make_shared<DevicesArgs>();
  CLI::App* show = devices->add_subcommand("show", "Show one device");
  show->add_option("id", show_args->id, "Device id")->required();
  show->add_flag("--json", show_args->json, "Print JSON (keys: id, group, core, ram_bytes, current_model, last_fault, ...)");
  add_registry_option(show, show_args->dir);
  show->callback([show_args] { run_registry_command([&] { run_show(*show_args); }); });

  register_devices_enrolment(devices);  // enroll, revoke: cmd_devices_enrol.cc
}

}  // namespace tmf::cli
