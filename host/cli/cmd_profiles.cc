// `tinymlops profiles list|show NAME [--json]`: the target profiles the selector knows
// (profiles/*.json, docs/select.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "host/cli/cli_common.h"
#include "host/cli/commands.h"
#include "host/select/profile.h"
#include "host/select/select_error.h"

namespace tmf::cli {
namespace {

struct ProfilesArgs {
  std::string name;
  bool json = false;
};

std::string mib_text(double bytes) {
  char text[32];
  if (bytes >= 1048576) std::snprintf(text, sizeof text, "%g MB", bytes / 1048576);
  else std::snprintf(text, sizeof text, "%g KB", bytes / 1024);
  return text;
}

void run_list(const ProfilesArgs& args) {
  nlohmann::json list = nlohmann::json::array();
  std::vector<select::Profile> profiles;
  for (const std::string& name : select::builtin_profile_names()) {
    try {
      profiles.push_back(select::find_profile(name));
    } catch (const select::SelectError& e) {
      throw CliError(e.what(), 2);
    }
  }
  if (args.json) {
    for (const auto& p : profiles) list.push_back(select::profile_to_json(p));
    std::printf("%s\n", nlohmann::json{{"profiles_dir", select::profiles_dir()}, {"profiles", list}}.dump(2).c_str());
    return;
  }
  std::printf("profiles in %s:\n", select::profiles_dir().c_str());
  for (const auto& p : profiles) {
    std::printf("  %-18s %-14s %4.0f MHz  RAM %-7s flash %-7s %s\n", p.name.c_str(), p.core.c_str(), p.clock_hz / 1e6,
                mib_text(p.ram_bytes).c_str(), mib_text(p.flash_bytes).c_str(), p.description.c_str());
  }
}

void run_show(const ProfilesArgs& args) {
  select::Profile p;
  try {
    p = select::find_profile(args.name);
  } catch (const select::SelectError& e) {
    throw CliError(e.what(), 2);
  }
  const nlohmann::json j = select::profile_to_json(p);
  if (args.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("%s (%s)\n  %s\n", p.name.c_str(), p.path.c_str(), p.description.c_str());
  std::printf("  core %s, %g MHz, DSP extension %s, FPU %s\n", p.core.c_str(), p.clock_hz / 1e6,
              p.dsp_extension ? "yes" : "no", p.fpu.c_str());
  std::printf("  RAM %.0f bytes, flash %.0f bytes", p.ram_bytes, p.flash_bytes);
  if (p.reserved_ram_bytes > 0 || p.reserved_flash_bytes > 0) {
    std::printf(" (reserved for the application: %.0f RAM, %.0f flash)", p.reserved_ram_bytes, p.reserved_flash_bytes);
  }
  if (p.max_arena_bytes > 0 || p.max_input_bytes > 0) {
    std::printf("\n  the firmware's model buffers: arena %.0f bytes, input %.0f bytes", p.max_arena_bytes, p.max_input_bytes);
  }
  std::printf("\n  flash wait states %s\n", p.flash_wait_states ? std::to_string(static_cast<int>(*p.flash_wait_states)).c_str() : "unknown");
  std::printf("  power at %.2f V: active %.3g mA (%.3g mW), sleep %.3g uA (%.3g uW)\n", p.supply_voltage_v,
              p.active_current_ma, p.active_power_mw(), p.sleep_current_ua, p.sleep_power_uw());
  std::printf("  cost table %s, %.2f cycles per instruction\n", p.cost_core.c_str(), p.cycles_per_instruction);
  if (!p.cost_core_note.empty()) std::printf("  note: %s\n", p.cost_core_note.c_str());
  if (!p.sources.empty()) std::printf("  sources:\n");
  for (const auto& [field, text] : p.sources) std::printf("    %s: %s\n", field.c_str(), text.c_str());
  if (!p.notes.empty()) std::printf("  notes: %s\n", p.notes.c_str());
}

}  // namespace

void register_profiles(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("profiles", "List and show the target profiles (device classes) the selector knows");
  cmd->require_subcommand(1);
  auto list_args = std::make_shared<ProfilesArgs>();
  CLI::App* list = cmd->add_subcommand("list", "List the built-in profiles");
  list->add_flag("--json", list_args->json, "Print JSON (profiles_dir, profiles: [{name, core, clock_hz, ram_bytes, ...}])");
  list->callback([list_args] { run_list(*list_args); });
  auto show_args = std::make_shared<ProfilesArgs>();
  CLI::App* show = cmd->add_subcommand("show", "Show one profile with its datasheet sources");
  show->add_option("profile", show_args->name, "A built-in profile name or a profile .json file")->required();
  show->add_flag("--json", show_args->json, "Print JSON (the profile's fields, active_power_mw, sleep_power_uw, source)");
  show->callback([show_args] { run_show(*show_args); });
}

}  // namespace tmf::cli
