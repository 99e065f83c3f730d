// DEPTHWISE_CONV_2D lowering: TFLite's SAME/VALID padding offsets, the fused activation range
// and the per-channel requantization arrays TFLM's Prepare computes. The depth multiplier is the
// option as written, which TFLM uses as is, so it must agree with the shapes. The bias passes
// through unchanged (no zero-point folding: padding taps contribute nothing).
#include "device/runtime/kernels/depthwise_conv_2d.h"

#include "device/runtime/kernels/spatial.h"
#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {

LoweredOp lower_depthwise_conv_2d(LoweringContext& ctx) {
  require_operands(ctx, 2, 3);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  require_input_rank(ctx, 0, 4);
  require_input_rank(ctx, 1, 4);
  require_output_rank(ctx, 0, 4);
  const std::vector<int32_t> in = ctx.input(0).shape;
  const std::vector<int32_t> filter = ctx.input(1).shape;
  const std::vector<int32_t> out = ctx.output(0).shape;
  const int32_t out_c = filter[3];
  if (filter[0] != 1) ctx.fail_input(1, "filter must have shape [1, kh, kw, out_c]");
  require_conv_filter_and_bias(ctx, 3, out_c);
  if (out[0] != in[0] || out[3] != out_c) {
    ctx.fail_output(0, "batch and depth must match the input's batch and the filter's " +
                           std::to_string(out_c) + " channels");
  }
  const OpOptions& o = ctx.op().options;
  if (o.depth_multiplier < 1 || static_cast<int64_t>(in[3]) * o.depth_multiplier != out_c) {
    ctx.fail("depth_multiplier " + std::to_string(o.depth_multiplier) +
             " does not map input depth " + std::to_string(in[3]) + " to " +
             std::to_string(out_c) + " output channels");
  }
  const int64_t taps = static_cast<int64_t>(filter[1]) * filter[2];
  if (taps > kConvMaxTaps) {
    ctx.fail_input(1, "filter of " + std::to_string(taps) + " taps per output exceeds " +
                          std::to_string(kConvMaxTaps) + " (int32 accumulator bound)");
  }

  const WindowPadding padding =
      lower_window_padding(ctx, filter[1], filter[2], o.dilation_h, o.dilation_w);
  const ActivationRange range = ctx.fused_activation_range();
  DepthwiseConv2DParams p{};
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.dilation_h = o.dilation_h;
  p.dilation_w = o.dilation_w;
  p.pad_h = padding.pad_h;
  p.pad_w = padding.pad_w;
  p.depth_multiplier = o.depth_multiplier;
  p.input_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(ctx.output(0).quant.zero_points[0]);
  p.act_min = range.min;
  p.act_max = range.max;
  p.per_channel = lower_conv_requant(ctx, out_c);
  return ctx.lowered(kOpDepthwiseConv2D, p);
}

}  // namespace tmf::host
