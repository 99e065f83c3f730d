// HARD_SWISH, int8 (TFLite Micro reference semantics: kernels/hard_swish.cc,
// hard_swish_common.cc, reference/hard_swish.h). hard_swish(x) = x * relu6(x + 3) / 6, computed
// in TFLM's 16-bit fixed point:
//   input:   0  int8 per-tensor, any shape
//   output:  0  int8 per-tensor, same shape
//   d = x - input_zero_point; h = d * 2^7 (the "hi-res" input)
//   pre = SRDHM16(h, output_multiplier)                      (value on the pre-shift output scale)
//   r = h; if reluish_exponent > 0: r = SatShl16(r, reluish_exponent - 1)
//   r = SRDHM16(r, reluish_multiplier); if reluish_exponent > 0: r = SatShl16(r, 1)
//   if reluish_exponent < 0: r = RDBP16(r, -reluish_exponent)  (r: x / 3 on [-1, 1] in Q15)
//   r = (r + 2^15) >> 1                                       (relu6(x + 3) / 6 in Q15)
//   out = clamp(RDBP16(SDHM16(r, pre), -output_exponent) + output_zero_point, -128, 127)
//   SRDHM16 is gemmlowp's rounding doubling high multiply on int16, SDHM16 the same truncating
//   (C division by 2^15), SatShl16 a left shift saturated to int16, RDBP16 rounding division by a
//   power of two (ties away from zero). The multipliers are TFLM's Prepare values: Q15 downscales
//   of QuantizeMultiplier(s_in / 128 / s_out) and QuantizeMultiplier(s_in / 128 / (3 / 32768)).
#pragma once

#include <stdint.h>

namespace tmf {

struct HardSwishParams {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t output_multiplier;   // Q15 in [0, 32767]
  int32_t output_exponent;     // [-15, 0]
  int32_t reluish_multiplier;  // Q15 in [0, 32767]
  int32_t reluish_exponent;    // [-15, 30]
};

}  // namespace tmf
