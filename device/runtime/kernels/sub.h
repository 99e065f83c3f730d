// SUB, int8 (TFLite Micro reference semantics: kernels/sub.cc, sub_common.cc,
// reference/sub.h SubElementwise and BroadcastQuantSubSlow).
//   inputs:  0, 1  int8 per-tensor, shapes broadcastable to the output's (broadcast.h), rank <= 4;
//                  either may be a constant
//   output:  0     int8 per-tensor, the broadcast shape
//   ADD's rescaling (add.h) with the difference in place of the sum:
//     a_k = M((x_k + input_k_offset) * 2^left_shift, input_k_multiplier, input_k_shift)
//     out = clamp(M(a_1 - a_2, output_multiplier, output_shift) + output_offset, act_min, act_max)
//   TFLM's PrepareGeneralSubOp computes the multipliers with ADD's formulas, so the params are
//   ADD's struct.
#pragma once

#include <stdint.h>

#include "add.h"

namespace tmf {

using SubParams = AddParams;

}  // namespace tmf
