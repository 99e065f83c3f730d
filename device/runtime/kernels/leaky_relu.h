// LEAKY_RELU, int8 (TFLite Micro reference semantics: kernels/leaky_relu.cc,
// leaky_relu_common.cc, reference/leaky_relu.h QuantizeLeakyRelu).
//   input:   0  int8 per-tensor, any shape
//   output:  0  int8 per-tensor, same shape
//   d = x - input_zero_point
//   out = clamp(output_zero_point + M(d, identity_multiplier, identity_shift), -128, 127) if d >= 0
//   out = clamp(output_zero_point + M(d, alpha_multiplier, alpha_shift), -128, 127)       if d < 0
//   with M = multiply_by_quantized_multiplier and the real multipliers as TFLM's Prepare computes
//   them in float: identity s_in / s_out, alpha s_in * alpha / s_out (alpha may be negative or
//   above 1, so either multiplier may be 0 and shifts may be positive).
#pragma once

#include <stdint.h>

namespace tmf {

struct LeakyReluParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t identity_multiplier;  // Q31 in [0, 2^31), shift in [-31, 30]
  int32_t identity_shift;
  int32_t alpha_multiplier;     // Q31 magnitude; negative for a negative alpha
  int32_t alpha_shift;
};

}  // namespace tmf
