// SCORE_KMEANS (format 1.1): squared distance to the nearest k-means centroid
// (train::KMeansModel::score).
//   input:   0  x int8 per-tensor, F elements, last dimension F
//            1  centroids float32 constant [K, F], K >= 1
//   output:  0  float32, one element, not quantized
//   x_f = x_scale * (q_f - x_zero_point) (rounded once, as DEQUANTIZE)
//   dist_k = sum over f in order of (x_f - c_kf)^2; score = min over k in order (+inf at start,
//   replaced when dist_k < score: a NaN distance never wins; all NaN gives +inf).
#pragma once

#include <stdint.h>

namespace tmf {

struct ScoreKMeansParams {
  float x_scale;         // = input 0's scale
  int32_t x_zero_point;  // = input 0's zero point
};

}  // namespace tmf
