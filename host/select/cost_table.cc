// Reading and writing the per-core cost tables (profiles/op_costs.json), field by field, so a
// hand-edited or truncated table is rejected with the file and field named.
#include "host/select/cost_table.h"

#include <fstream>
#include <sstream>

#include "host/select/select_error.h"

namespace tmf::select {
namespace {

constexpr int kFormat = 1;

[[noreturn]] void fail(const std::string& source, const std::string& field, const std::string& what) {
  throw SelectError(source + ": " + field + ": " + what);
}

const nlohmann::json& member(const nlohmann::json& j, const std::string& key, const std::string& source,
                             const std::string& field) {
  if (!j.is_object() || !j.contains(key)) fail(source, field.empty() ? key : field + "." + key, "missing");
  return j.at(key);
}

double number(const nlohmann::json& j, const std::string& source, const std::string& field, bool non_negative) {
  if (!j.is_number()) fail(source, field, "must be a number");
  const double v = j.get<double>();
  if (non_negative && v < 0) fail(source, field, "must not be negative");
  return v;
}

CostEntry entry_from_json(const nlohmann::json& j, const std::string& source, const std::string& field) {
  if (!j.is_object()) fail(source, field, "must be an object");
  CostEntry e;
  const nlohmann::json& c = member(j, "coefficients", source, field);
  if (!c.is_object() || c.empty()) fail(source, field + ".coefficients", "must be a non-empty object");
  for (const auto& [name, value] : c.items()) {
    e.coefficients[name] = number(value, source, field + ".coefficients." + name, false);
  }
  if (j.contains("points")) e.points = static_cast<int>(number(j["points"], source, field + ".points", true));
  if (j.contains("max_relative_error")) {
    e.max_relative_error = number(j["max_relative_error"], source, field + ".max_relative_error", true);
  }
  if (j.contains("stack_bytes")) e.stack_bytes = number(j["stack_bytes"], source, field + ".stack_bytes", true);
  return e;
}

}  // namespace

CostTable cost_table_from_json(const nlohmann::json& j, const std::string& source) {
  CostTable t;
  t.source = source;
  const nlohmann::json& format = member(j, "format", source, "");
  if (!format.is_number_integer() || format.get<int>() != kFormat) {
    fail(source, "format", "must be " + std::to_string(kFormat));
  }
  const nlohmann::json& cores = member(j, "cores", source, "");
  if (!cores.is_object() || cores.empty()) fail(source, "cores", "must be a non-empty object");
  for (const auto& [core, cj] : cores.items()) {
    const std::string field = "cores." + core;
    CoreCosts c;
    const nlohmann::json& kernels = member(cj, "kernels", source, field);
    if (!kernels.is_string() || !parse_kernel_family(kernels.get<std::string>(), &c.family)) {
      fail(source, field + ".kernels", "must be \"reference\" or \"dsp\"");
    }
    const nlohmann::json& ops = member(cj, "ops", source, field);
    if (!ops.is_object()) fail(source, field + ".ops", "must be an object");
    for (const auto& [key, ej] : ops.items()) c.entries[key] = entry_from_json(ej, source, field + ".ops." + key);
    if (cj.contains("runtime_flash")) {
      const nlohmann::json& f = cj["runtime_flash"];
      const std::string ff = field + ".runtime_flash";
      c.runtime_base_flash_bytes = number(member(f, "base_bytes", source, ff), source, ff + ".base_bytes", true);
      const nlohmann::json& k = member(f, "kernel_bytes", source, ff);
      if (!k.is_object()) fail(source, ff + ".kernel_bytes", "must be an object");
      for (const auto& [name, value] : k.items()) {
        c.kernel_flash_bytes[name] = number(value, source, ff + ".kernel_bytes." + name, true);
      }
      if (f.contains("static_ram_bytes")) {
        c.runtime_static_ram_bytes = number(f["static_ram_bytes"], source, ff + ".static_ram_bytes", true);
      }
    }
    t.cores[core] = std::move(c);
  }
  return t;
}

CostTable load_cost_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SelectError(path + ": cannot read the cost table");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw SelectError(path + ": not valid JSON (" + e.what() + ")");
  }
  return cost_table_from_json(j, path);
}

nlohmann::json cost_table_to_json(const CostTable& table) {
  nlohmann::json cores = nlohmann::json::object();
  for (const auto& [core, c] : table.cores) {
    nlohmann::json ops = nlohmann::json::object();
    for (const auto& [key, e] : c.entries) {
      ops[key] = {{"coefficients", e.coefficients},
                  {"points", e.points},
                  {"max_relative_error", e.max_relative_error},
                  {"stack_bytes", e.stack_bytes}};
    }
    nlohmann::json cj = {{"kernels", kernel_family_name(c.family)}, {"ops", ops}};
    if (c.runtime_base_flash_bytes > 0) {
      cj["runtime_flash"] = {{"base_bytes", c.runtime_base_flash_bytes},
                             {"kernel_bytes", c.kernel_flash_bytes},
                             {"static_ram_bytes", c.runtime_static_ram_bytes}};
    }
    cores[core] = cj;
  }
  return {{"format", kFormat}, {"cores", cores}};
}

const CoreCosts& core_costs(const CostTable& table, const std::string& core) {
  const auto it = table.cores.find(core);
  if (it != table.cores.end()) return it->second;
  std::ostringstream known;
  for (const auto& [name, c] : table.cores) known << (known.tellp() > 0 ? ", " : "") << name;
  throw SelectError(table.source + ": no cost table for core '" + core + "' (has: " + known.str() + ")");
}

}  // namespace tmf::select
