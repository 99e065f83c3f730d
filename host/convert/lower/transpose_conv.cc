// TRANSPOSE_CONV lowering (TFLM's transpose_conv CalculateOpData): the leading padding of a
// forward convolution over the *output* size (ComputePaddingHeightWidth, dilation 1), the
// per-channel requantization arrays and the fused activation range (NONE before version 4).
// The importer already put the operands in the convolutions' order (input, filter, bias).
#include "device/runtime/kernels/transpose_conv.h"

#include "device/runtime/kernels/spatial.h"
#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {
namespace {

int32_t transpose_conv_padding(const LoweringContext& ctx, const char* axis, int32_t out,
                               int32_t filter, int32_t stride) {
  if (stride < 1 || stride > kSpatialMaxStride) {
    ctx.fail(std::string("stride_") + axis + " " + std::to_string(stride) + " is outside [1, " +
             std::to_string(kSpatialMaxStride) + "]");
  }
  const SpatialPadding padding =
      ctx.op().options.padding == Padding::kSame ? kSpatialPaddingSame : kSpatialPaddingValid;
  const int64_t conv_out = spatial_output_size(padding, out, filter, stride, 1);
  return static_cast<int32_t>(spatial_leading_padding(out, filter, stride, 1, conv_out));
}

}  // namespace

LoweredOp lower_transpose_conv(LoweringContext& ctx) {
  require_operands(ctx, 2, 3);
  const char* int16 = "int16 activations (16x8 quantization) are not supported: TRANSPOSE_CONV "
                      "runs int8 activations only";
  if (ctx.input(0).type == kTensorTypeInt16) ctx.fail_input(0, int16);
  if (ctx.output(0).type == kTensorTypeInt16) ctx.fail_output(0, int16);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  require_input_rank(ctx, 0, 4);
  require_input_rank(ctx, 1, 4);
  require_output_rank(ctx, 0, 4);
  const std::vector<int32_t> in = ctx.input(0).shape;
  const std::vector<int32_t> filter = ctx.input(1).shape;
  const std::vector<int32_t> out = ctx.output(0).shape;
  const int32_t out_c = filter[0];
  require_conv_filter_and_bias(ctx, 0, out_c);
  if (out[0] != in[0] || out[3] != out_c) {
    ctx.fail_output(0, "batch and depth must match the input's batch and the filter's " +
                           std::to_string(out_c) + " output channels");
  }
  if (filter[3] != in[3]) {
    ctx.fail_input(1, "filter depth " + std::to_string(filter[3]) + " is not the input depth " +
                          std::to_string(in[3]));
  }
  const int64_t taps = static_cast<int64_t>(filter[1]) * filter[2] * filter[3];
  if (taps > kConvMaxTaps) {
    ctx.fail_input(1, "filter of " + std::to_string(taps) + " taps per output exceeds " +
                          std::to_string(kConvMaxTaps) + " (int32 accumulator bound)");
  }
  const OpOptions& o = ctx.op().options;
  const ActivationRange range = ctx.fused_activation_range();
  TransposeConvParams p{};
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.pad_h = transpose_conv_padding(ctx, "h", out[1], filter[1], o.stride_h);
  p.pad_w = transpose_conv_padding(ctx, "w", out[2], filter[2], o.stride_w);
  p.input_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(ctx.output(0).quant.zero_points[0]);
  p.act_min = range.min;
  p.act_max = range.max;
  p.per_channel = lower_conv_requant(ctx, out_c);
  return ctx.lowered(kOpTransposeConv, p);
}

}  // namespace tmf::host
