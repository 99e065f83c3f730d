// Per-core cost tables: instruction coefficients per op (fitted by bench/op_cost.cc from QEMU
// counts of single-op models), the stack each kernel used, and the runtime's flash per kernel
// (from the size probe's linker map). Committed as profiles/op_costs.json; format in docs/select.md.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "host/select/op_features.h"

namespace tmf::select {

struct CostEntry {
  std::map<std::string, double> coefficients;  // feature name -> instructions per count
  int points = 0;                              // single-op models the fit used
  double max_relative_error = 0;               // worst error of the fit on those points
  double stack_bytes = 0;                      // largest invoke stack seen for this entry
};

struct CoreCosts {
  KernelFamily family = KernelFamily::kReference;
  std::map<std::string, CostEntry> entries;  // key: OpFeatures::key
  // Runtime flash: validator + interpreter (+ what every op set links), and each kernel source
  // (both twins of an op) by object name, e.g. "conv_2d" -> bytes.
  double runtime_base_flash_bytes = 0;
  std::map<std::string, double> kernel_flash_bytes;
  double runtime_static_ram_bytes = 0;
};

struct CostTable {
  std::string source;                     // file it came from, for messages
  std::map<std::string, CoreCosts> cores;  // "cortex-m4" -> costs
};

// Throws SelectError naming `source` and the bad field ("op_costs.json: cortex-m4.ops.ADD:
// coefficients must be numbers").
CostTable cost_table_from_json(const nlohmann::json& j, const std::string& source);
CostTable load_cost_table(const std::string& path);
nlohmann::json cost_table_to_json(const CostTable& table);

// The core's costs, or SelectError listing the cores the table has.
const CoreCosts& core_costs(const CostTable& table, const std::string& core);

}  // namespace tmf::select
