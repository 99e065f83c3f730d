// Profile files: strict reading (unknown fields are rejected, so a typo is not silently
// ignored), core defaults, and where the built-in profiles are found.
#include "host/select/profile.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "host/select/select_error.h"
#include "host/share_dir.h"

namespace tmf::select {
namespace {

namespace fs = std::filesystem;

struct CoreInfo {
  const char* core;
  const char* cost_core;
  double cycles_per_instruction;
};

// Cycles per instruction for the int8 kernels (load/multiply-accumulate loops) running from
// zero-wait or cached flash; docs/select.md gives the reasoning per core.
constexpr CoreInfo kCores[] = {
    {"cortex-m0", "cortex-m0", 1.4},   {"cortex-m0plus", "cortex-m0", 1.4},
    {"cortex-m3", "cortex-m3", 1.4},   {"cortex-m4", "cortex-m4", 1.3},
    {"cortex-m4f", "cortex-m4", 1.3},  {"cortex-m7", "cortex-m7", 1.0},
    {"cortex-m33", "cortex-m33", 1.3}, {"xtensa-lx6", "", 1.3},
    {"xtensa-lx7", "", 1.3},
};
constexpr const char* kQemuCores[] = {"cortex-m0", "cortex-m3", "cortex-m4", "cortex-m7", "cortex-m33"};

const CoreInfo* core_info(const std::string& core) {
  for (const CoreInfo& c : kCores) if (core == c.core) return &c;
  return nullptr;
}

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
  throw SelectError(source + ": " + field + ": " + what);
}

class Reader {
 public:
  Reader(const nlohmann::json& j, const std::string& source) : j_(j), source_(source) {
    if (!j.is_object()) throw SelectError(source + ": a profile must be a JSON object");
  }
  bool has(const char* key) {
    seen_.insert(key);
    return j_.contains(key) && !j_[key].is_null();
  }
  std::string string(const char* key, bool required) {
    if (!has(key)) {
      if (required) fail(source_, key, "missing");
      return "";
    }
    if (!j_[key].is_string()) fail(source_, key, "must be a string");
    return j_[key].get<std::string>();
  }
  double number(const char* key, bool required, bool positive) {
    if (!has(key)) {
      if (required) fail(source_, key, "missing");
      return 0;
    }
    if (!j_[key].is_number()) fail(source_, key, "must be a number");
    const double v = j_[key].get<double>();
    if (positive ? !(v > 0) : !(v >= 0)) fail(source_, key, positive ? "must be positive" : "must not be negative");
    return v;
  }
  bool boolean(const char* key) {
    if (!has(key)) fail(source_, key, "missing");
    if (!j_[key].is_boolean()) fail(source_, key, "must be true or false");
    return j_[key].get<bool>();
  }
  const nlohmann::json& raw(const char* key) { return j_[key]; }
  void reject_unknown() {
    for (const auto& [key, value] : j_.items()) {
      if (!seen_.count(key)) fail(source_, key, "unknown field (typo?)");
    }
  }

 private:
  const nlohmann::json& j_;
  std::string source_;
  std::set<std::string> seen_;
};

}  // namespace

double default_cycles_per_instruction(const std::string& core) {
  const CoreInfo* c = core_info(core);
  return c ? c->cycles_per_instruction : 0;
}

std::string default_cost_core(const std::string& core) {
  const CoreInfo* c = core_info(core);
  return c ? c->cost_core : "";
}

Profile profile_from_json(const nlohmann::json& j, const std::string& source) {
  Reader r(j, source);
  Profile p;
  p.path = source;
  p.name = r.string("name", true);
  if (p.name.empty() || p.name.find_first_of("/\\ ") != std::string::npos) {
    fail(source, "name", "must be a non-empty word without spaces or slashes");
  }
  p.description = r.string("description", false);
  p.core = r.string("core", true);
  if (!core_info(p.core)) {
    std::string known;
    for (const CoreInfo& c : kCores) known += std::string(known.empty() ? "" : ", ") + c.core;
    fail(source, "core", "unknown core '" + p.core + "' (known: " + known + ")");
  }
  p.cost_core = r.string("cost_core", false);
  if (p.cost_core.empty()) p.cost_core = default_cost_core(p.core);
  if (p.cost_core.empty()) fail(source, "cost_core", "missing: core " + p.core + " has no QEMU cost table of its own");
  if (std::find_if(std::begin(kQemuCores), std::end(kQemuCores), [&](const char* c) { return p.cost_core == c; }) ==
      std::end(kQemuCores)) {
    fail(source, "cost_core", "'" + p.cost_core + "' is not a QEMU core (cortex-m0, cortex-m3, cortex-m4, cortex-m7, cortex-m33)");
  }
  p.cost_core_note = r.string("cost_core_note", false);
  p.clock_hz = r.number("clock_hz", true, true);
  p.ram_bytes = r.number("ram_bytes", true, true);
  p.flash_bytes = r.number("flash_bytes", true, true);
  p.reserved_ram_bytes = r.number("reserved_ram_bytes", false, false);
  p.reserved_flash_bytes = r.number("reserved_flash_bytes", false, false);
  if (p.reserved_ram_bytes >= p.ram_bytes) fail(source, "reserved_ram_bytes", "leaves no RAM for the model");
  if (p.reserved_flash_bytes >= p.flash_bytes) fail(source, "reserved_flash_bytes", "leaves no flash for the model");
  p.max_arena_bytes = r.number("max_arena_bytes", false, true);
  p.max_input_bytes = r.number("max_input_bytes", false, true);
  if (p.max_arena_bytes > p.ram_bytes - p.reserved_ram_bytes) {
    fail(source, "max_arena_bytes", "exceeds the RAM left after reserved_ram_bytes");
  }
  p.dsp_extension = r.boolean("dsp_extension");
  p.fpu = r.string("fpu", true);
  if (p.fpu != "none" && p.fpu != "single" && p.fpu != "double") fail(source, "fpu", "must be none, single or double");
  if (r.has("flash_wait_states")) p.flash_wait_states = r.number("flash_wait_states", false, false);
  p.supply_voltage_v = r.number("supply_voltage_v", true, true);
  p.active_current_ma = r.number("active_current_ma", true, true);
  p.sleep_current_ua = r.number("sleep_current_ua", true, false);
  p.cycles_per_instruction = r.number("cycles_per_instruction", false, true);
  if (p.cycles_per_instruction == 0) p.cycles_per_instruction = default_cycles_per_instruction(p.core);
  if (r.has("source")) {
    const nlohmann::json& s = r.raw("source");
    if (!s.is_object()) fail(source, "source", "must be an object of field -> \"document, section\"");
    for (const auto& [field, text] : s.items()) {
      if (!text.is_string()) fail(source, "source." + field, "must be a string");
      p.sources[field] = text.get<std::string>();
    }
  }
  p.notes = r.string("notes", false);
  r.reject_unknown();
  return p;
}

Profile load_profile_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SelectError(path + ": cannot read the profile");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw SelectError(path + ": not valid JSON (" + e.what() + ")");
  }
  return profile_from_json(j, path);
}

nlohmann::json profile_to_json(const Profile& p) {
  nlohmann::json j = {{"name", p.name},
                      {"description", p.description},
                      {"core", p.core},
                      {"cost_core", p.cost_core},
                      {"clock_hz", p.clock_hz},
                      {"ram_bytes", p.ram_bytes},
                      {"flash_bytes", p.flash_bytes},
                      {"reserved_ram_bytes", p.reserved_ram_bytes},
                      {"reserved_flash_bytes", p.reserved_flash_bytes},
                      {"max_arena_bytes", p.max_arena_bytes},
                      {"max_input_bytes", p.max_input_bytes},
                      {"dsp_extension", p.dsp_extension},
                      {"fpu", p.fpu},
                      {"flash_wait_states", p.flash_wait_states ? nlohmann::json(*p.flash_wait_states) : nlohmann::json()},
                      {"supply_voltage_v", p.supply_voltage_v},
                      {"active_current_ma", p.active_current_ma},
                      {"sleep_current_ua", p.sleep_current_ua},
                      {"active_power_mw", p.active_power_mw()},
                      {"sleep_power_uw", p.sleep_power_uw()},
                      {"cycles_per_instruction", p.cycles_per_instruction},
                      {"source", p.sources},
                      {"path", p.path}};
  if (!p.cost_core_note.empty()) j["cost_core_note"] = p.cost_core_note;
  if (!p.notes.empty()) j["notes"] = p.notes;
  return j;
}

// When absent, errors name the folder where the profiles were expected.
std::string profiles_dir() { return host::share_dir("TMF_PROFILES_DIR", "profiles"); }

std::vector<std::string> builtin_profile_names() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(profiles_dir(), ec)) {
    const fs::path& f = entry.path();
    if (f.extension() == ".json" && f.filename() != "op_costs.json") names.push_back(f.stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Profile find_profile(const std::string& name_or_path) {
  std::error_code ec;
  const bool looks_like_path = name_or_path.find('/') != std::string::npos ||
                               (name_or_path.size() > 5 && name_or_path.ends_with(".json"));
  if (looks_like_path || fs::is_regular_file(name_or_path, ec)) {
    if (!fs::is_regular_file(name_or_path, ec)) throw SelectError(name_or_path + ": no such profile file");
    return load_profile_file(name_or_path);
  }
  const fs::path builtin = fs::path(profiles_dir()) / (name_or_path + ".json");
  if (name_or_path != "op_costs" && fs::is_regular_file(builtin, ec)) return load_profile_file(builtin.string());
  std::string known;
  for (const std::string& n : builtin_profile_names()) known += (known.empty() ? "" : ", ") + n;
  if (known.empty()) {
    throw SelectError("no profile '" + name_or_path + "': not a file, and no built-in profiles in " + profiles_dir() +
                      " (set TMF_PROFILES_DIR to the profiles folder)");
  }
  throw SelectError("no profile '" + name_or_path + "': not a file, and the built-ins in " + profiles_dir() +
                    " are: " + known);
}

std::string cost_table_path() {
  if (const char* env = std::getenv("TMF_OP_COSTS"); env && *env) return env;
  return (fs::path(profiles_dir()) / "op_costs.json").string();
}

}  // namespace tmf::select
