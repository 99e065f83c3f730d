// The float32 forward pass of an imported float TFLite graph, op by op, for calibration and for
// the int8-vs-float error `convert --calibrate` reports. Shapes are checked first (the graph comes
// from an untrusted file): every op either passes float_op_check or is refused naming op and tensor.
#pragma once

#include <cstddef>
#include <vector>

#include "host/convert/graph.h"

namespace tmf::quantize {

// Throws host::ConvertError unless op `index` is a float op this evaluator runs with consistent
// shapes: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, ADD, SUB and
// MUL (broadcasting, one operand may be constant), CONCATENATION, MEAN, PAD
// (float_eval_tensor_ops.h), SOFTMAX (last axis), RESHAPE, RELU, RELU6, LOGISTIC, TANH; fused
// NONE/RELU/RELU6/RELU_N1_TO_1; NHWC layouts and TFLite's SAME/VALID geometry.
void float_op_check(const host::Graph& graph, size_t index);

// Runs op `index`: reads values[input] (graph constants from their data), writes values[output].
void float_op_eval(const host::Graph& graph, size_t index, std::vector<std::vector<float>>& values);

}  // namespace tmf::quantize
