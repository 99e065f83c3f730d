// RELU, int8 (TFLite Micro reference semantics: kernels/activations.cc,
// activations_common.cc: ReluQuantized, CalculateReluOpData).
//   input:   0  int8 per-tensor, any shape
//   output:  0  int8 per-tensor, same shape; its scale and zero point may differ from the input's
//   out = clamp(M(x - input_zero_point, output_multiplier, output_shift) + output_zero_point,
//               act_min, act_max)
//   with M = multiply_by_quantized_multiplier (int32 wrap-around in its left shift and in the
//   zero-point addition, as TFLM on its targets), the real multiplier s_in / s_out, act_min =
//   max(-128, output_zero_point) and act_max = 127.
#pragma once

#include <stdint.h>

namespace tmf {

struct ReluParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_multiplier;  // Q31 in [0, 2^31)
  int32_t output_shift;       // [-31, 30]
  int32_t act_min;            // [-128, 127], <= act_max
  int32_t act_max;
};

}  // namespace tmf
