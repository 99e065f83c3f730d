// Float32 checks and evaluation of the float-import ops that combine or reshape whole tensors:
// ADD, SUB and MUL with numpy broadcasting (rank <= 4, one operand may be a constant),
// CONCATENATION, MEAN (constant int32 axes) and PAD (constant int32 paddings, pads with 0.0).
// Used by float_eval.cc; the graph is untrusted, so every shape is checked before any value is read.
#pragma once

#include <cstddef>
#include <vector>

#include "host/convert/graph.h"

namespace tmf::quantize {

// True for the ops this file handles.
bool float_tensor_op(OpCode opcode);

// Throws host::ConvertError naming op and tensor unless op `index` (one of float_tensor_op) has
// operands, options and shapes the evaluator and the int8 lowering accept.
void float_tensor_op_check(const host::Graph& graph, size_t index);

// Runs op `index` after float_tensor_op_check: reads values[input] (constants from their data),
// writes values[output].
void float_tensor_op_eval(const host::Graph& graph, size_t index, std::vector<std::vector<float>>& values);

// A float32 tensor's data as floats (used for constants).
std::vector<float> float_tensor_data(const host::Tensor& tensor);

// values[t], filled from the tensor's data first when t is a constant not read yet.
const std::vector<float>& float_operand(const host::Graph& graph, int t, std::vector<std::vector<float>>& values);

// A float op's fused activation (NONE, RELU, RELU6, RELU_N1_TO_1).
float float_activate(host::Activation activation, float v);

}  // namespace tmf::quantize
