// Graph rewrites the converter applies before lowering: each replaces ops by others that
// compute exactly the same bytes but run faster on the device.
#pragma once

#include "host/convert/graph.h"

namespace tmf::host {

// CONV_2D with a 1x1 filter, stride 1 and no padding is a FULLY_CONNECTED over the pixels
// (batches = N*H*W, depth = input channels, units = output channels): same integer sums, same
// per-channel requantization (TFLM computes input_scale * filter_scale / output_scale in the
// same order for both), same activation range, no padded taps. It becomes one, so it runs on
// the optimized FULLY_CONNECTED kernels and its input zero point is folded into the bias.
// Returns the number of ops rewritten.
int rewrite_pointwise_conv_as_fully_connected(Graph& graph);

}  // namespace tmf::host
