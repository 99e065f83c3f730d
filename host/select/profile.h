// Target profiles: what a device class offers (core, clock, memory, power), read from JSON files
// in profiles/ (built-in) or any path (user profiles). Format and sources: docs/select.md.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tmf::select {

struct Profile {
  std::string name;
  std::string description;
  std::string core;       // "cortex-m4f", "cortex-m0plus", "xtensa-lx6", ...
  std::string cost_core;  // QEMU core whose cost table applies ("cortex-m4")
  std::string cost_core_note;
  double clock_hz = 0;
  double ram_bytes = 0;
  double flash_bytes = 0;
  double reserved_ram_bytes = 0;    // kept for the rest of the firmware
  double reserved_flash_bytes = 0;
  // Limits of the firmware's fixed model buffers (0: none): the arena it provides and the bytes of
  // model input its window buffer holds (docs/select.md).
  double max_arena_bytes = 0;
  double max_input_bytes = 0;
  bool dsp_extension = false;
  std::string fpu;  // "none", "single", "double"
  std::optional<double> flash_wait_states;
  double supply_voltage_v = 0;
  double active_current_ma = 0;  // CPU running from flash at clock_hz
  double sleep_current_ua = 0;   // the deepest sleep that keeps RAM and a wake-up timer
  double cycles_per_instruction = 0;  // the profile's, or the core default
  std::map<std::string, std::string> sources;  // field -> "document, section"
  std::string notes;
  std::string path;  // file it came from

  double active_power_mw() const { return supply_voltage_v * active_current_ma; }
  double sleep_power_uw() const { return supply_voltage_v * sleep_current_ua; }
};

// Default cycles per instruction of a core for our int8 kernels (justified in docs/select.md);
// 0 if the core is unknown.
double default_cycles_per_instruction(const std::string& core);
// The QEMU core whose cost table a core uses by default ("" if none: the profile must say).
std::string default_cost_core(const std::string& core);

// Throws SelectError naming `source` and the field ("stm32l476.json: clock_hz: must be a
// positive number").
Profile profile_from_json(const nlohmann::json& j, const std::string& source);
Profile load_profile_file(const std::string& path);
nlohmann::json profile_to_json(const Profile& p);

// Where built-in profiles and the committed cost table live: $TMF_PROFILES_DIR, else
// <binary>/../share/tinymlops/profiles (install prefix and build tree alike; host/share_dir.h).
std::string profiles_dir();
// Built-in profile names (the .json files of profiles_dir() other than op_costs.json), sorted.
std::vector<std::string> builtin_profile_names();
// NAME (a built-in) or PATH (a file): SelectError listing the built-ins if neither exists.
Profile find_profile(const std::string& name_or_path);
// profiles_dir()/op_costs.json, or $TMF_OP_COSTS if set.
std::string cost_table_path();

}  // namespace tmf::select
