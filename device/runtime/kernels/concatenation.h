// CONCATENATION, int8 (TFLM reference_ops::Concatenation semantics: a byte copy).
//   inputs:  0..n-1 (1 <= n <= 10) int8 per-tensor, all of the output's rank (>= 1) and
//            quantization, dims equal to the output's except along `axis`
//   output:  0 int8 per-tensor; dims[axis] = sum of the inputs' dims[axis]
//   With outer = product of dims before axis and inner = product of dims after it, the output
//   is, for each outer index, input 0's dims[axis] * inner bytes, then input 1's, and so on.
//   TFLM copies bytes without requantizing, so the converter requires (and prepare() checks)
//   that every input shares the output's scale and zero point.
#pragma once

#include <stdint.h>

namespace tmf {

constexpr uint32_t kConcatenationMaxInputs = 10;  // TFLM's kMaxInputNum

struct ConcatenationParams {
  int32_t axis;  // in [0, rank): the converter resolves TFLite's negative axes
};

}  // namespace tmf
