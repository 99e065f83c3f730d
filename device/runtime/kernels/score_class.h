// SCORE_CLASS (format 1.1): a classifier's anomaly score, one minus the probability of the
// normal class.
//   input:   0  probabilities int8 per-tensor, C elements, last dimension C (e.g. a SOFTMAX
//               output: scale 1/256, zero point -128)
//   output:  0  float32, one element, not quantized
//   score = 1 - p_scale * (p[normal_index] - p_zero_point) (the product rounded once, as
//   DEQUANTIZE, then one float subtraction)
#pragma once

#include <stdint.h>

namespace tmf {

struct ScoreClassParams {
  float p_scale;         // = input 0's scale
  int32_t p_zero_point;  // = input 0's zero point
  int32_t normal_index;  // [0, C)
};

}  // namespace tmf
