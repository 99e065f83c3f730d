// FULLY_CONNECTED, int8 (TFLM reference semantics, bias folded by the converter).
//   inputs:  0 input   int8 per-tensor, any shape whose element count is batches * depth
//            1 weights int8 constant [units, depth], zero point 0, per-tensor or per-channel
//            2 bias    int32 constant [units] = model bias + input_offset * sum_k weights[u][k]
//   output:  0 int8 per-tensor, batches * units elements
//   out[b][u] = clamp(zp_out + requant(bias[u] + sum_k in[b][k] * w[u][k]), act_min, act_max)
#pragma once

#include <stdint.h>

namespace tmf {

struct FullyConnectedParams {
  int32_t output_zero_point;
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
  int32_t output_multiplier;  // per-tensor requantization (ignored if per_channel is set)
  int32_t output_shift;
  uint32_t per_channel;       // kTmfNoPerChannel, or params offset of per-unit requant arrays
};

}  // namespace tmf
