// CONV_2D, int8 (TFLM reference_integer_ops::ConvPerChannel semantics).
//   inputs:  0 input   int8 per-tensor [batches, in_h, in_w, in_c] (NHWC)
//            1 filter  int8 constant [out_c, kh, kw, filter_in_c], zero point 0, per-tensor or
//              per-channel (axis 0); in_c = groups * filter_in_c, out_c a multiple of groups
//            2 bias    int32 constant [out_c], optional (0xFFFF: no bias)
//   output:  0 int8 per-tensor [batches, out_h, out_w, out_c]
//   For output channel oc in group g = oc / (out_c / groups):
//   acc = bias[oc] + sum over taps (fy, fx) inside the image, ic < filter_in_c of
//         filter[oc][fy][fx][ic] * (input[b][y0 + fy * dilation_h][x0 + fx * dilation_w]
//                                         [g * filter_in_c + ic] - input_zero_point)
//   with y0 = oy * stride_h - pad_h, x0 = ox * stride_w - pad_w (taps in the padding are skipped,
//   not read as zero points), then
//   out = clamp(requant(acc, multiplier[oc], shift[oc]) + output_zero_point, act_min, act_max).
//   int32 sums wrap as in TFLM; kh * kw * filter_in_c <= 65535 keeps the tap sum itself exact.
#pragma once

#include <stdint.h>

namespace tmf {

struct Conv2DParams {
  int32_t stride_h;           // [1, 2^16]
  int32_t stride_w;
  int32_t dilation_h;         // [1, 2^16]
  int32_t dilation_w;
  int32_t pad_h;              // leading (top, left) padding: TFLite's SAME or VALID value
  int32_t pad_w;
  int32_t input_zero_point;   // equal to the input tensor's
  int32_t output_zero_point;  // equal to the output tensor's
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
  uint32_t per_channel;       // params offset of the requant arrays, out_c entries (required;
                              // a per-tensor filter repeats one multiplier, as TFLM does)
};

}  // namespace tmf
