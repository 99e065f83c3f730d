// DEQUANTIZE (TFLite Micro reference semantics: kernels/dequantize.cc, dequantize_common.cc,
// reference/dequantize.h).
//   input:   0  int8 or int16 per-tensor, any shape
//   output:  0  float32, same shape
//   out = (float)(scale * (x - zero_point)). TFLM evaluates the product in double and rounds it
//   to float once; the exact product of a float (24-bit significand) and an integer below 2^17
//   fits in a double's 53 bits, so the single-precision product here, rounded once from the
//   same exact value, is the same float (IEEE round to nearest, no flush-to-zero).
#pragma once

#include <stdint.h>

namespace tmf {

struct DequantizeParams {
  float scale;         // the input tensor's scale
  int32_t zero_point;  // the input tensor's zero point
};

}  // namespace tmf
