// Lowering: turns one importer op into one TMF op, precomputing on the host everything the
// device would otherwise compute (requantization multipliers and shifts, folded biases, packed
// weights, padding). One file per op under host/convert/lower/, beside its device kernel.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "host/convert/graph.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

// The op-parameter blob of the file being written; every append is 4-byte aligned.
class ParamsBlob {
 public:
  uint32_t append(const void* data, size_t bytes);
  template <typename T>
  uint32_t append_struct(const T& value) { return append(&value, sizeof(T)); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

struct LoweredOp {
  OpCode opcode = kOpFullyConnected;
  std::vector<int> inputs;    // graph tensor indices, -1 for an absent optional input
  std::vector<int> outputs;
  uint32_t params_offset = 0;
  uint32_t params_bytes = 0;
};

class LoweringContext {
 public:
  LoweringContext(Graph& graph, size_t op_index, ParamsBlob& params)
      : graph_(graph), op_index_(op_index), params_(params) {}

  Graph& graph() { return graph_; }
  const Op& op() const { return graph_.ops[op_index_]; }
  ParamsBlob& params() { return params_; }
  size_t op_index() const { return op_index_; }

  size_t input_count() const { return op().inputs.size(); }
  bool has_input(size_t i) const { return i < op().inputs.size() && op().inputs[i] >= 0; }
  const Tensor& input(size_t i) const;   // fails if absent
  const Tensor& output(size_t i) const;

  // Throws ConvertError "file: op N (NAME): what".
  [[noreturn]] void fail(const std::string& what) const;
  // Throws ConvertError "file: op N (NAME): tensor T 'name': what" for input/output i.
  [[noreturn]] void fail_input(size_t i, const std::string& what) const;
  [[noreturn]] void fail_output(size_t i, const std::string& what) const;

  // Common requirements, failing with a message naming the tensor.
  void require_int8_per_tensor_input(size_t i) const;
  void require_int8_per_tensor_output(size_t i) const;
  void require_constant_input(size_t i) const;

  // The op's fused activation as a range of output 0 (TFLite's CalculateActivationRangeQuantized);
  // fails for TANH/SIGN_BIT and for output scales too small to represent the bounds.
  ActivationRange fused_activation_range() const;
  // Inputs 0 and 1 must broadcast (TFLite rules, rank <= 4) to exactly output 0's shape.
  void require_inputs_broadcast_to_output() const;

  // Adds a new constant tensor to the graph (e.g. a folded bias); returns its index.
  int add_constant(Tensor tensor);

  // A LoweredOp with the op's own inputs and outputs and params appended to the blob.
  template <typename T>
  LoweredOp lowered(OpCode opcode, const T& params_struct) {
    LoweredOp l;
    l.opcode = opcode;
    l.inputs = op().inputs;
    l.outputs = op().outputs;
    l.params_offset = params_.append_struct(params_struct);
    l.params_bytes = sizeof(T);
    return l;
  }

 private:
  Graph& graph_;
  size_t op_index_;
  ParamsBlob& params_;
};

using LowerFn = LoweredOp (*)(LoweringContext& ctx);

// The lowering for `opcode`, or null (lower/registry.cc).
LowerFn lowering_find(OpCode opcode);

}  // namespace tmf::host
