// ADD, int8 (TFLite Micro reference semantics: kernels/add.cc, add_common.cc,
// reference/integer_ops/add.h).
//   inputs:  0, 1  int8 per-tensor, shapes broadcastable to the output's (broadcast.h), rank <= 4;
//                  either may be a constant
//   output:  0     int8 per-tensor, the broadcast shape
//   Both inputs are brought to a common scale 2 * max(s1, s2) with 20 bits of headroom, added,
//   and scaled to the output (M(x, m, s) = multiply_by_quantized_multiplier, s <= 0 here):
//     a_k = M((x_k + input_k_offset) * 2^left_shift, input_k_multiplier, input_k_shift)
//     out = clamp(M(a_1 + a_2, output_multiplier, output_shift) + output_offset, act_min, act_max)
//   with the multipliers computed by the converter from the scales as TFLM's Prepare does:
//     input_k real multiplier = s_k / (2 max(s1, s2)),
//     output real multiplier = 2 max(s1, s2) / (2^left_shift * s_out).
#pragma once

#include <stdint.h>

namespace tmf {

constexpr int32_t kAddLeftShift = 20;  // TFLM's headroom for int8 outputs

struct AddParams {
  int32_t input1_offset;      // -(input 1 zero point)
  int32_t input2_offset;      // -(input 2 zero point)
  int32_t output_offset;      // output zero point
  int32_t left_shift;         // kAddLeftShift
  int32_t input1_multiplier;  // Q31 in [0, 2^31), shift in [-31, 0]
  int32_t input1_shift;
  int32_t input2_multiplier;
  int32_t input2_shift;
  int32_t output_multiplier;
  int32_t output_shift;
  int32_t act_min;  // fused activation as an int8 range
  int32_t act_max;
};

}  // namespace tmf
