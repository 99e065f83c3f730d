// Instruction, stack and runtime-flash prediction from the cost tables.
#include "host/select/cost_model.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "host/select/select_error.h"

namespace tmf::select {

double entry_instructions(const CostEntry& entry, const OpFeatures& features, const std::string& context) {
  double total = 0;
  for (const auto& [name, count] : features.values) {
    const auto it = entry.coefficients.find(name);
    if (it == entry.coefficients.end()) {
      throw SelectError(context + ": cost entry '" + features.key + "' has no coefficient '" + name +
                        "' (the table is from another version of the cost model: regenerate it with make bench)");
    }
    total += it->second * count;
  }
  if (entry.coefficients.size() != features.values.size()) {
    throw SelectError(context + ": cost entry '" + features.key + "' has coefficients the cost model does not " +
                      "compute (regenerate the table with make bench)");
  }
  // A fit can go slightly negative on a degenerate shape; an op never costs less than nothing.
  return std::max(total, 0.0);
}

InstructionPrediction predict_instructions(const Model& model, const CoreCosts& costs, const std::string& core,
                                           const std::string& table_source) {
  InstructionPrediction p;
  for (uint32_t i = 0; i < model.header->op_count; ++i) {
    const OpFeatures f = op_features(model, i, costs.family);
    const std::string op = opcode_name(model.ops[i].opcode);
    const std::string context = "op " + std::to_string(i) + " (" + op + ")";
    const auto it = costs.entries.find(f.key);
    if (it == costs.entries.end()) {
      throw SelectError(context + ": no cost entry '" + f.key + "' for " + core + " in " + table_source +
                        " (measure it: add single-op models of it to bench/op_cost.cc and run make bench)");
    }
    const double n = entry_instructions(it->second, f, context);
    p.ops.push_back({i, op, f.key, n});
    p.instructions += n;
    p.stack_bytes = std::max(p.stack_bytes, it->second.stack_bytes);
  }
  return p;
}

std::vector<std::string> kernel_objects(uint16_t opcode) {
  std::string name = opcode_name(opcode);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  switch (opcode) {
    case kOpConv2D: return {"conv_2d"};
    case kOpDepthwiseConv2D: return {"depthwise_conv_2d"};
    case kOpAveragePool2D: return {"average_pool_2d"};
    case kOpMaxPool2D: return {"max_pool_2d"};
    case kOpLogistic: return {"logistic", "fixed_point_activation"};
    case kOpTanh: return {"tanh", "fixed_point_activation"};
    case kOpDspFeatures: return {"dsp_features", "dsp_library"};  // + device/dsp (libtmf_dsp)
    default: return {name};  // fully_connected, add, softmax, ...: the object is the op's name
  }
}

double predict_runtime_flash(const Model& model, const CoreCosts& costs, const std::string& core,
                             const std::string& table_source) {
  if (costs.runtime_base_flash_bytes <= 0) {
    throw SelectError(table_source + ": no runtime flash figures for " + core + " (regenerate with make bench)");
  }
  std::set<std::string> objects;
  for (uint32_t i = 0; i < model.header->op_count; ++i) {
    for (const std::string& o : kernel_objects(model.ops[i].opcode)) objects.insert(o);
  }
  double bytes = costs.runtime_base_flash_bytes;
  for (const std::string& o : objects) {
    const auto it = costs.kernel_flash_bytes.find(o);
    if (it == costs.kernel_flash_bytes.end()) {
      throw SelectError(table_source + ": no flash figure for kernel '" + o + "' on " + core +
                        " (regenerate with make bench)");
    }
    bytes += it->second;
  }
  return bytes;
}

}  // namespace tmf::select
