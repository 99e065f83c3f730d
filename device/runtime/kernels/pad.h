// PAD and PADV2, int8 (TFLM reference_ops::Pad semantics; the paddings and the pad value are
// constants the converter moves into the params).
//   input:   0 int8 per-tensor, rank 0..4
//   output:  0 int8 per-tensor, same rank, dims[i] = input dims[i] + before[i] + after[i]
//   out[i0][i1][i2][i3] = input[i0 - before[0]]...[i3 - before[3]] where every index falls inside
//   the input, else pad_value. Bytes are copied unchanged: like TFLM, no requantization.
#pragma once

#include <stdint.h>

namespace tmf {

struct PadParams {
  int32_t before[4];  // >= 0; elements added before dimension i (0 for i >= rank)
  int32_t after[4];   // >= 0; elements added after dimension i (0 for i >= rank)
  int32_t pad_value;  // int8 value written into the padding: PAD: the output zero point;
                      // PADV2: its constant_values input
};

}  // namespace tmf
