// SOFTMAX over the last dimension, int8 input (TFLite Micro reference semantics:
// kernels/softmax.cc, softmax_common.cc, reference/softmax.h; gemmlowp fixed point).
//   input:   0  int8 per-tensor, rank >= 1, last dimension `depth`
//   output:  0  same shape; int8 with scale 1/256 and zero point -128 (depth <= 511), or int16
//               with scale 1/65536 (within 0.1%) and zero point -32768 (depth <= 4095)
//   For each row, with d = x - max(row): elements with d < diff_min contribute nothing and
//   output the type's minimum; the others have e = exp(d * s_in * beta) computed as
//     e = exp_on_negative_values<5>(saturating_rounding_doubling_high_mul(d * 2^input_left_shift,
//                                                                         input_multiplier))
//   (a Q5.26 argument, a Q0.31 result), summed in Q12.19, and output
//     out = clamp(rounding_divide_by_pot(reciprocal(sum) * e, exponent) + type minimum).
//   The depth limits keep the sum of exponentials below 512 (int8) or 4096 (int16), the range in
//   which TFLM's exponent stays in [0, 31] (TFLM aborts outside it).
//   Converter: input_multiplier, input_left_shift = TFLM's PreprocessSoftmaxScaling(beta, s_in,
//   5): the real multiplier min(beta * s_in * 2^26, 2^31 - 1) (> 1), without TFLite's clamping
//   of the shift to 30; diff_min = -floor(31 * 2^26 / 2^input_left_shift) (CalculateInputRadius).
#pragma once

#include <stdint.h>

namespace tmf {

constexpr int32_t kSoftmaxMaxDepthInt8 = 511;
constexpr int32_t kSoftmaxMaxDepthInt16 = 4095;

struct SoftmaxParams {
  int32_t input_multiplier;  // Q31 in [0, 2^31)
  int32_t input_left_shift;  // [0, 31]
  int32_t diff_min;          // -((31 << 26) >> input_left_shift)
};

}  // namespace tmf
