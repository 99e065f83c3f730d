// TRANSPOSE, int8 (TFLite Micro reference semantics: kernels/transpose.cc,
// reference/transpose.h; the permutation tensor is a constant the converter moves into the params).
//   input:   0  int8, rank 1..4 (quantization is not read: bytes move unchanged, as in TFLM)
//   output:  0  int8, the same rank, dims[i] = input dims[perm[i]]
//   out[i0, i1, i2, i3] = in[j] with j[perm[k]] = i_k; dims past the rank are 1 and perm is the
//   identity there.
#pragma once

#include <stdint.h>

namespace tmf {

struct TransposeParams {
  int32_t perm[4];  // a permutation of 0..3 that fixes every axis >= the input's rank
};

}  // namespace tmf
