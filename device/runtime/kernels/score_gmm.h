// SCORE_GMM (format 1.1): negative log-likelihood under a diagonal Gaussian mixture
// (train::GaussianMixtureModel::score).
//   input:   0  x int8 per-tensor, F elements, last dimension F
//            1  means float32 constant [K, F], K >= 1
//            2  inv_var float32 constant [K, F] (1 / variance)
//            3  log_norm float32 constant, K elements: log(weight_k) - 0.5 sum_f log(2 pi var_kf)
//   output:  0  float32, one element, not quantized
//   x_f = x_scale * (q_f - x_zero_point) (rounded once, as DEQUANTIZE)
//   a_k = log_norm_k - 0.5 * sum over f in order of ((x_f - mean_kf)^2) * inv_var_kf
//   m = max over k of a_k (NaN terms never win); s = sum over k in order of exp(a_k - m)
//   score = -(m + log(s)), or +inf if m = -inf (every term -inf). A NaN term makes s and the score
//   NaN. exp and log are dsp::det_expf / det_logf (device/dsp/det_math.h), so the score has the
//   same bits on every core; the terms are summed as train::GaussianMixtureModel::score does.
#pragma once

#include <stdint.h>

namespace tmf {

struct ScoreGmmParams {
  float x_scale;         // = input 0's scale
  int32_t x_zero_point;  // = input 0's zero point
};

}  // namespace tmf
