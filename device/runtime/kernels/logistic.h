// LOGISTIC, int8 (TFLite Micro reference semantics: kernels/logistic.cc, logistic_common.cc,
// reference/integer_ops/logistic.h; gemmlowp fixed point).
//   input:   0  int8 per-tensor, any shape
//   output:  0  int8, same shape, scale 1/256 and zero point -128 (the only int8 output the
//               kernel's arithmetic produces)
//   With d = x - input_zero_point:
//     d <= -input_range_radius: -128;   d >= input_range_radius: 127;
//     else out = clamp(rounding_divide_by_pot(logistic<4>(M(d, input_multiplier,
//                      input_left_shift)), 23) - 128, -128, 127)
//   where M = multiply_by_quantized_multiplier turns d into a Q4.27 value and logistic<4> is
//   fixed_point::logistic (a Q0.31 result).
//   Converter (TFLM Prepare): frexp(s_in * 2^27) = q * 2^input_left_shift, input_multiplier =
//   round(q * 2^31); input_range_radius = floor(15 * 2^27 / 2^input_left_shift)
//   (CalculateInputRadius(4, left_shift, 31)), the largest |d| whose Q4.27 value stays below 15.
#pragma once

#include <stdint.h>

#include "fixed_point_activation.h"

namespace tmf {

// The fields and their ranges: fixed_point_activation.h.
using LogisticParams = FixedPointActivationParams;

}  // namespace tmf
