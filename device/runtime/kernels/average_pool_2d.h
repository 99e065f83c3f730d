// AVERAGE_POOL_2D, int8 (TFLM reference_integer_ops::AveragePool semantics).
//   input:   0 int8 per-tensor [batches, in_h, in_w, depth] (NHWC)
//   output:  0 int8 per-tensor [batches, out_h, out_w, depth], the input's quantization
//   params:  PoolParams (spatial.h)
//   For each output position and channel, over the n >= 1 window taps inside the image
//   (y0 = oy * stride_h - pad_h, x0 = ox * stride_w - pad_w; padding taps are not counted):
//   sum = sum of input values; avg = (sum + n / 2) / n if sum > 0, else (sum - n / 2) / n
//   (C division: rounds half away from zero); out = clamp(avg, act_min, act_max).
#pragma once

#include "spatial.h"
