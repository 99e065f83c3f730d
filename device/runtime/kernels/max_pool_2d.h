// MAX_POOL_2D, int8 (TFLM reference_integer_ops::MaxPool semantics).
//   input:   0 int8 per-tensor [batches, in_h, in_w, depth] (NHWC)
//   output:  0 int8 per-tensor [batches, out_h, out_w, depth], the input's quantization
//   params:  PoolParams (spatial.h)
//   For each output position and channel, over the window taps inside the image
//   (y0 = oy * stride_h - pad_h, x0 = ox * stride_w - pad_w; padding taps are ignored):
//   out = clamp(max of input values, act_min, act_max).
#pragma once

#include "spatial.h"
