// TRANSPOSE_CONV, int8 (TFLM reference_integer_ops::TransposeConv semantics, format 1.3).
//   inputs:  0 input   int8 per-tensor [batches, in_h, in_w, in_c] (NHWC)
//            1 filter  int8 constant [out_c, kh, kw, in_c], zero point 0, per-tensor or
//              per-channel (axis 0)
//            2 bias    int32 constant [out_c], optional (0xFFFF: no bias)
//   output:  0 int8 per-tensor [batches, out_h, out_w, out_c]
//   (TFLite's output_shape operand is not kept: TFLM takes the shape from the output tensor.)
//   TFLM scatters every input pixel (iy, ix) into the outputs (iy * stride_h - pad_h + fy,
//   ix * stride_w - pad_w + fx) that lie inside the output, summing in int32; this kernel
//   gathers the same products for each output (int32 addition wraps the same in any order):
//   acc = sum over fy, fx, ic with iy = (oy + pad_h - fy) / stride_h and
//         ix = (ox + pad_w - fx) / stride_w exact and inside the input of
//         filter[oc][fy][fx][ic] * (input[b][iy][ix][ic] - input_zero_point)
//   then acc += bias[oc] (wrapping), and
//   out = clamp(requant(acc, multiplier[oc], shift[oc]) + output_zero_point, act_min, act_max).
//   pad_h/pad_w are TFLite's SAME or VALID leading padding of a forward convolution from an
//   out_h x out_w image (TFLM's CalculateOpData); kh * kw * in_c <= 65535 keeps every sum exact.
#pragma once

#include <stdint.h>

namespace tmf {

struct TransposeConvParams {
  int32_t stride_h;           // [1, 2^16]
  int32_t stride_w;
  int32_t pad_h;              // leading padding (see above)
  int32_t pad_w;
  int32_t input_zero_point;   // equal to the input tensor's
  int32_t output_zero_point;  // equal to the output tensor's
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
  uint32_t per_channel;       // params offset of the requant arrays, out_c entries (required)
};

}  // namespace tmf
