// SCORE_RECONSTRUCTION (format 1.1): an autoencoder's reconstruction error.
//   input:   0  x int8 per-tensor, F elements, last dimension F (the autoencoder's input)
//            1  y int8 per-tensor, same shape (its output); each has its own scale and zero point
//   output:  0  float32, one element, not quantized
//   d_f = x_scale * (x_f - x_zero_point) - y_scale * (y_f - y_zero_point)   (each product rounded
//         once to float, as DEQUANTIZE)
//   score = (sum over f = 0..F-1, in order, of d_f * d_f) / F                (float arithmetic)
#pragma once

#include <stdint.h>

namespace tmf {

struct ScoreReconstructionParams {
  float x_scale;         // = input 0's scale
  int32_t x_zero_point;  // = input 0's zero point
  float y_scale;         // = input 1's scale
  int32_t y_zero_point;  // = input 1's zero point
};

}  // namespace tmf
