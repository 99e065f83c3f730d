// Post-training int8 quantization of an imported float32 TFLite graph (`tinymlops convert
// model_float.tflite --calibrate FILE`), with the TFLite converter's rules: symmetric int8
// weights (zero point 0), per-channel for CONV_2D (axis 0) and DEPTHWISE_CONV_2D (axis 3) with
// scale max|w| / 127 per channel, per-tensor for FULLY_CONNECTED; int32 biases at scale
// input_scale * weight_scale[c]; per-tensor asymmetric int8 activations from the min/max observed
// on the calibration inputs (quantization_for_range), except outputs whose quantization TFLite
// fixes (SOFTMAX/LOGISTIC 1/256 and -128, TANH 1/128 and 0) or ties to the input (pools,
// RESHAPE, PAD); CONCATENATION inputs share the output's (TFLM copies bytes: a requantizing
// QUANTIZE is inserted where an input cannot take it over); a constant ADD/SUB/MUL operand
// per-tensor asymmetric from its own min/max; float32 graph input and output kept through a
// QUANTIZE and a DEQUANTIZE, as the converter writes them for float I/O. The ops: float_eval.h; one graph input and one output;
// anything else is refused naming the op (docs/import.md).
#pragma once

#include <cstdint>
#include <vector>

#include "host/convert/graph.h"

namespace tmf::quantize {

// True when the graph's first input is float32 and feeds an op other than QUANTIZE: a float model
// that needs --calibrate.
bool float_graph_needs_calibration(const host::Graph& graph);

// The float graph quantized to int8 from `calibration`: input tensors (float32, the graph input's
// element count each). Throws host::ConvertError naming the op or tensor it cannot quantize.
host::Graph float_graph_quantize(const host::Graph& graph,
                                 const std::vector<std::vector<float>>& calibration);

// The accuracy cost of quantization on the calibration inputs: the float graph evaluated in
// float against the converted TMF file run through the device runtime.
struct FloatImportError {
  int sets = 0;
  double max_abs_error = 0;  // over every output element of every set
  double rms_error = 0;
  double float_min = 0, float_max = 0;  // range of the float outputs
};
FloatImportError float_graph_quantization_error(const host::Graph& float_graph,
                                                const std::vector<uint8_t>& tmf_file,
                                                const std::vector<std::vector<float>>& calibration);

// The float graph's output for one input (float evaluation of the supported ops).
std::vector<float> float_graph_eval(const host::Graph& graph, const std::vector<float>& input);

}  // namespace tmf::quantize
