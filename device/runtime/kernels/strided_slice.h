// STRIDED_SLICE, int8 (TFLite Micro reference semantics: kernels/strided_slice.cc,
// reference/strided_slice.h, strided_slice_logic.h). The converter resolves begin, end, strides
// and the begin/end/shrink-axis masks into one clamped (start, stop, stride) per axis, as TFLM's
// StartForAxis/StopForAxis do; axes past the input's rank are (0, 1, 1).
//   input:   0  int8, rank 1..4 (quantization is not read: bytes move unchanged, as in TFLM)
//   output:  0  int8 holding, in row-major order, in[i0, i1, i2, i3] for every i_k visited by
//               i = start_k; stride_k > 0 ? i < stop_k : i > stop_k; i += stride_k
//   The visited counts' product is the output's element count (shrunk axes count 1).
#pragma once

#include <stdint.h>

namespace tmf {

struct StridedSliceParams {
  int32_t start[4];   // first index visited, in [0, dims) when the axis visits any
  int32_t stop[4];    // exclusive bound, in [-1, dims]
  int32_t stride[4];  // non-zero, |stride| <= dims
};

}  // namespace tmf
