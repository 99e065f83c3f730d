// Lowering helpers shared by the windowed ops (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D,
// MAX_POOL_2D): TFLite's padding for the op's SAME/VALID option, the fused activation range,
// and the convolutions' filter, bias and per-channel requantization checks and arrays.
#pragma once

#include <cstdint>

#include "host/convert/graph.h"
#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

struct WindowPadding {
  int32_t pad_h = 0;  // leading (top) padding
  int32_t pad_w = 0;  // leading (left) padding
};

// TFLite's ComputePaddingHeightWidth for the op's padding and strides, NHWC input 0 and output 0
// (rank 4, checked by the caller) and a filter_h x filter_w window with the given dilations.
// Fails, naming the op or the output, if a stride, dilation or window is outside the device
// limits (spatial.h) or the output's height or width is not the one TFLite computes.
WindowPadding lower_window_padding(const LoweringContext& ctx, int32_t filter_h, int32_t filter_w,
                                   int32_t dilation_h, int32_t dilation_w);

// Requires min_inputs..max_inputs inputs (the first min_inputs present), exactly one output, and
// no zero dimension in any of them (the importer passes empty tensors through; the device format
// has none).
void require_operands(const LoweringContext& ctx, size_t min_inputs, size_t max_inputs);

// Requires input/output `i` to have `rank` dimensions.
void require_input_rank(const LoweringContext& ctx, size_t i, size_t rank);
void require_output_rank(const LoweringContext& ctx, size_t i, size_t rank);

// Checks of a convolution's operands: input 1 a constant int8 filter, symmetric (zero points 0),
// per-tensor or per-channel along `axis` with `channels` scales; optional input 2 a constant
// int32 bias of `channels` values.
void require_conv_filter_and_bias(const LoweringContext& ctx, int32_t axis, int32_t channels);

// TFLite's PopulateConvolutionQuantizationParams: for each output channel c,
// QuantizeMultiplier(double(input_scale) * double(filter_scale[c]) / double(output_scale)), a
// per-tensor filter scale repeated for every channel. Appends int32 multiplier[channels] then
// shift[channels] to the params blob and returns their offset.
uint32_t lower_conv_requant(LoweringContext& ctx, int32_t channels);

// AVERAGE_POOL_2D and MAX_POOL_2D: PoolParams from the window, strides and TFLite's padding,
// requiring input and output quantization to agree as TFLM's PoolingPrepare does (scales within
// 1e-6, equal zero points).
LoweredOp lower_pool_2d(LoweringContext& ctx, OpCode opcode);

}  // namespace tmf::host
