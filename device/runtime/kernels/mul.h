// MUL, int8 (TFLite Micro reference semantics: kernels/mul_common.cc,
// reference/integer_ops/mul.h).
//   inputs:  0, 1  int8 per-tensor, shapes broadcastable to the output's (broadcast.h), rank <= 4;
//                  either may be a constant
//   output:  0     int8 per-tensor, the broadcast shape
//   out = clamp(M((x1 + input1_offset) * (x2 + input2_offset), output_multiplier, output_shift)
//               + output_offset, act_min, act_max)
//   with M = multiply_by_quantized_multiplier (int32 wrap-around in its left shift and in the
//   offset addition, as TFLM on its targets) and the real multiplier s1 * s2 / s_out.
#pragma once

#include <stdint.h>

namespace tmf {

struct MulParams {
  int32_t input1_offset;      // -(input 1 zero point)
  int32_t input2_offset;      // -(input 2 zero point)
  int32_t output_offset;      // output zero point
  int32_t output_multiplier;  // Q31 in [0, 2^31)
  int32_t output_shift;       // [-31, 30]
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
};

}  // namespace tmf
