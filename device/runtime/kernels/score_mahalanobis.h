// SCORE_MAHALANOBIS (format 1.1): squared Mahalanobis distance through a whitening matrix W with
// W^T W = inverse covariance (train::MahalanobisModel::score).
//   input:   0  x int8 per-tensor, F elements, last dimension F
//            1  mean float32 constant, F elements
//            2  whitening float32 constant [F, F], row-major
//   output:  0  float32, one element, not quantized
//   d_j = x_scale * (q_j - x_zero_point) - mean_j (the product rounded once, as DEQUANTIZE)
//   score = sum over i in order of (sum over j in order of W_ij * d_j)^2
#pragma once

#include <stdint.h>

namespace tmf {

struct ScoreMahalanobisParams {
  float x_scale;         // = input 0's scale
  int32_t x_zero_point;  // = input 0's zero point
};

}  // namespace tmf
