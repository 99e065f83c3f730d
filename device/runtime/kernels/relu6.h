// RELU6, int8 (TFLite Micro reference semantics: kernels/activations.cc,
// activations_common.cc: Relu6Prepare, Relu6Quantized).
//   input:   0  int8 per-tensor, any shape
//   output:  0  int8 per-tensor, same shape
//   out = min(max(x, lower), upper): a clamp in the input's quantization. Like TFLM, the output's
//   scale and zero point are not applied (the converter produces RELU6 with equal ones).
//   Converter: lower = input zero point, upper = clamp(round(6 / s_in) + input zero point,
//   -128, 127) (TFLM's FloatToQuantizedType, float division).
#pragma once

#include <stdint.h>

namespace tmf {

struct Relu6Params {
  int32_t lower;  // quantized 0: the input zero point
  int32_t upper;  // quantized 6, in [lower, 127]
};

}  // namespace tmf
