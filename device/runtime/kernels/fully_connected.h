// FULLY_CONNECTED, int8 (TFLM reference semantics, bias folded by the converter).
//   inputs:  0 input   int8 per-tensor, any shape whose element count is batches * depth
//            1 weights int8 constant [units, depth], zero point 0, per-tensor or per-channel,
//              stored in weights_layout (below)
//            2 bias    int32 constant [units] = model bias + input_offset * sum_k weights[u][k]
//   output:  0 int8 per-tensor, batches * units elements
//   out[b][u] = clamp(zp_out + requant(bias[u] + sum_k in[b][k] * w[u][k]), act_min, act_max)
#pragma once

#include <stdint.h>

#include "../kernel.h"

namespace tmf {

// How the weight bytes are ordered in the constant section.
enum FullyConnectedWeights : uint32_t {
  kFullyConnectedWeightsRowMajor = 0,  // w[u][k] at u * depth + k
  // Needs depth % 4 == 0. Rows come in groups of 4 (the last units % 4 rows stay row-major,
  // after the groups); within a group, for each k = 4c, the 4 bytes k..k+3 of row 0, then of
  // rows 1, 2, 3: w[4g + r][4c + j] at 4g * depth + 16c + 4r + j. One pointer walks a group.
  kFullyConnectedWeightsBlocked4 = 1,
};

struct FullyConnectedParams {
  int32_t output_zero_point;
  int32_t act_min;            // fused activation as an int8 range
  int32_t act_max;
  int32_t output_multiplier;  // per-tensor requantization (ignored if per_channel is set)
  int32_t output_shift;
  uint32_t per_channel;       // kTmfNoPerChannel, or params offset of per-unit requant arrays
  uint32_t weights_layout;    // FullyConnectedWeights
};

// The checks, shared by the reference kernel and the optimized one (kernels/arm/).
Status fully_connected_prepare(const OpContext& ctx);

}  // namespace tmf
