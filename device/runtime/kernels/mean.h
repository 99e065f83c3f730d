// MEAN, int8 (TFLM reduce_common.cc EvalIntegerMean: reference_ops::Mean when input and output
// quantization are equal, reference_ops::QuantizedMeanOrSum otherwise; the axis tensor is a
// constant the converter moves into the params).
//   input:   0 int8 per-tensor, rank 0..4
//   output:  0 int8 per-tensor; the input's dims with every reduced dim set to 1 (keep_dims) or
//            removed (keep_dims = 0); element order is the input's with reduced dims dropped
//   For each output element, sum = sum of the n input values it reduces (n = product of the
//   reduced dims, 1 <= n <= 2^22), then
//   mode kMeanModeDivide:    out = sum / n (C division, truncates toward zero); requires the
//                            same scale and zero point on input and output
//   mode kMeanModeRequantize: out = clamp(requant(sum - n * input_zero_point, multiplier, shift)
//                            + output_zero_point, -128, 127), where multiplier/shift fold 1/n into
//                            input_scale / output_scale exactly as TFLM does at eval time
#pragma once

#include <stdint.h>

namespace tmf {

enum MeanMode : uint32_t {
  kMeanModeDivide = 0,
  kMeanModeRequantize = 1,
};

// Largest number of values one output averages: keeps sum - n * zero point inside int32.
constexpr int64_t kMeanMaxReduced = int64_t{1} << 22;

struct MeanParams {
  uint32_t axis_mask;         // bit i set: input dimension i is reduced (i < input rank)
  uint32_t keep_dims;         // 0 or 1, fixes the output shape
  uint32_t mode;              // MeanMode
  int32_t input_zero_point;   // equal to the input tensor's
  int32_t output_zero_point;  // equal to the output tensor's
  int32_t multiplier;         // kMeanModeRequantize: Q31 >= 0, 1/n folded in; else 0
  int32_t shift;              // kMeanModeRequantize: in [-31, 30]; else 0
};

}  // namespace tmf
