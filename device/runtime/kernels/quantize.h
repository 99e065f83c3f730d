// QUANTIZE (TFLite Micro reference semantics: kernels/quantize.cc, quantize_common.cc,
// reference/quantize.h AffineQuantize, reference/requantize.h Requantize).
//   input:   0  float32, or int8 / uint8 / int16 per-tensor
//   output:  0  per-tensor, same shape: int8 or int16 from float32; from integers int8 -> int8,
//               int8 -> uint8, int8 -> int16, uint8 -> int8, int16 -> int8, int16 -> int16
//   float32: out = clamp(round(x / output_scale) + output_zero_point) to the output type, with a
//            float division and round half away from zero (roundf), as TFLM. Where TFLM's
//            float -> int32 conversion is undefined (NaN, |x / scale| >= 2^31) the rounded value
//            saturates to int32 first and NaN counts as 0, which makes it the zero point.
//   integer: out = clamp(M(x - input_zero_point, multiplier, shift) + output_zero_point) with
//            M = multiply_by_quantized_multiplier and the real multiplier s_in / s_out.
#pragma once

#include <stdint.h>

namespace tmf {

struct QuantizeParams {
  float output_scale;        // float32 input: the output tensor's scale (unused otherwise)
  int32_t input_zero_point;  // integer input: the input tensor's zero point (0 otherwise)
  int32_t output_zero_point;
  int32_t multiplier;  // integer input: Q31 in [0, 2^31) (0 otherwise)
  int32_t shift;       // integer input: [-31, 30]
};

}  // namespace tmf
