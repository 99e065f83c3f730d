// The cost model: instructions per inference from a validated model and a core's cost table
// (the sum of each op's fitted loop-count terms), the runtime flash of the model's op set, and
// the invoke stack. Every op must have a table entry: a missing one is an error naming the op,
// never a silent zero (new opcodes need their cost entries measured first).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device/runtime/model.h"
#include "host/select/cost_table.h"

namespace tmf::select {

struct OpPrediction {
  uint32_t index = 0;
  std::string op;   // "CONV_2D"
  std::string key;  // cost entry used, e.g. "DEPTHWISE_CONV_2D.reference"
  double instructions = 0;
};

struct InstructionPrediction {
  std::vector<OpPrediction> ops;
  double instructions = 0;  // one invoke
  double stack_bytes = 0;   // largest stack of the kernels the model runs
};

// Instructions of one entry for one op's features; SelectError if the entry and the features do
// not name the same counts (a table from another version of the model).
double entry_instructions(const CostEntry& entry, const OpFeatures& features, const std::string& context);

// Throws SelectError "op 3 (DSP_FEATURES): no cost entry 'DSP_FEATURES' for cortex-m4 in
// profiles/op_costs.json".
InstructionPrediction predict_instructions(const Model& model, const CoreCosts& costs, const std::string& core,
                                           const std::string& table_source);

// Kernel sources (object names in the size probe's map) an op links: both twins of the op, plus
// helpers only it and its relatives use.
std::vector<std::string> kernel_objects(uint16_t opcode);

// Runtime flash for the model's op set: base + each distinct kernel object. SelectError if the
// table has no flash figures for an object the model needs.
double predict_runtime_flash(const Model& model, const CoreCosts& costs, const std::string& core,
                             const std::string& table_source);

}  // namespace tmf::select
