// DEPTHWISE_CONV_2D, int8 (TFLM reference_integer_ops::DepthwiseConvPerChannel semantics).
//   inputs:  0 input   int8 per-tensor [batches, in_h, in_w, in_c] (NHWC)
//            1 filter  int8 constant [1, kh, kw, out_c], zero point 0, per-tensor or per-channel
//              (axis 3); out_c = in_c * depth_multiplier
//            2 bias    int32 constant [out_c], optional (0xFFFF: no bias)
//   output:  0 int8 per-tensor [batches, out_h, out_w, out_c]
//   Output channel oc = ic * depth_multiplier + m reads input channel ic only:
//   acc = bias[oc] + sum over taps (fy, fx) inside the image of
//         filter[0][fy][fx][oc] * (input[b][y0 + fy * dilation_h][x0 + fx * dilation_w][ic]
//                                  - input_zero_point)
//   with y0 = oy * stride_h - pad_h, x0 = ox * stride_w - pad_w (taps in the padding are skipped),
//   out = clamp(requant(acc, multiplier[oc], shift[oc]) + output_zero_point, act_min, act_max).
//   int32 sums wrap as in TFLM; kh * kw <= 65535 keeps the tap sum itself exact.
#pragma once

#include <stdint.h>

namespace tmf {

struct DepthwiseConv2DParams {
  int32_t stride_h;           // [1, 2^16]
  int32_t stride_w;
  int32_t dilation_h;         // [1, 2^16]
  int32_t dilation_w;
  int32_t pad_h;              // leading (top, left) padding: TFLite's SAME or VALID value
  int32_t pad_w;
  int32_t depth_multiplier;   // >= 1, out_c / in_c
  int32_t input_zero_point;   // equal to the input tensor's
  int32_t output_zero_point;  // equal to the output tensor's
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
  uint32_t per_channel;       // params offset of the requant arrays, out_c entries (required)
};

}  // namespace tmf
