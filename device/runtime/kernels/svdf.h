// SVDF, int8 with an int16 state (TFLM EvalIntegerSvdfReference semantics, format 1.3).
//   inputs:  0 input            int8 per-tensor [batches, input_size]
//            1 weights_feature  int8 constant [num_filters, input_size], per-tensor, zero point 0
//            2 weights_time     int16 constant [num_filters, memory_size] (raw values are used)
//            3 bias             int32 constant [num_units], optional (0xFFFF: no bias)
//            4 state            int16 *state* tensor (storage 2) [batches, num_filters *
//                               memory_size]: kept across invokes, zero at interpreter_init;
//                               this op shifts and writes it in place
//   output:  0 int8 per-tensor [batches, num_units], num_units = num_filters / rank
//   Per invoke, for every batch b and filter f (memory row s = state[b][f][0..memory_size)):
//     s shifts left by one; s[memory_size - 1] = clamp_int16(requant(sum_i
//       weights_feature[f][i] * (input[b][i] - input_zero_point), multiplier_1, shift_1))
//   then out[b][u] = clamp_int8(requant(bias[u] + sum over f = u*rank .. u*rank+rank-1 of
//       sum_m weights_time[f][m] * s[m], multiplier_2, shift_2) + output_zero_point),
//   int32 sums wrapping as TFLM's do (a memory of two int16 products can already wrap).
//   The fused activation is not applied (TFLM's integer SVDF ignores it too).
//   input_size <= 65535 keeps the feature sum exact.
#pragma once

#include <stdint.h>

namespace tmf {

struct SvdfParams {
  int32_t rank;               // >= 1, divides num_filters
  int32_t input_zero_point;   // equal to the input tensor's
  int32_t output_zero_point;  // equal to the output tensor's
  int32_t multiplier_1;       // QuantizeMultiplier(s_in * s_weights_feature / s_state), float
  int32_t shift_1;            //   products as TFLM computes them
  int32_t multiplier_2;       // QuantizeMultiplier(s_state * s_weights_time / s_out)
  int32_t shift_2;
};

}  // namespace tmf
