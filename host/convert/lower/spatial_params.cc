// Shared lowering helpers of the windowed ops (see spatial_params.h).
#include "host/convert/lower/spatial_params.h"

#include <cmath>
#include <string>
#include <vector>

#include "device/runtime/kernels/spatial.h"

namespace tmf::host {
namespace {

// One axis of TFLite's geometry: the output size and leading padding, with the device limits.
struct AxisGeometry {
  int64_t out = 0;
  int64_t pad = 0;
};

AxisGeometry lower_axis(const LoweringContext& ctx, const char* axis, int32_t in, int32_t filter,
                        int32_t stride, int32_t dilation) {
  const std::string name(axis);
  if (stride < 1 || stride > kSpatialMaxStride) {
    ctx.fail("stride_" + name + " " + std::to_string(stride) + " is outside [1, " +
             std::to_string(kSpatialMaxStride) + "]");
  }
  if (dilation < 1 || dilation > kSpatialMaxStride) {
    ctx.fail("dilation_" + name + " " + std::to_string(dilation) + " is outside [1, " +
             std::to_string(kSpatialMaxStride) + "]");
  }
  if (filter < 1 || spatial_effective_filter(filter, dilation) > kSpatialMaxEffectiveFilter) {
    ctx.fail("window " + name + " " + std::to_string(filter) + " (dilation " +
             std::to_string(dilation) + ") is not supported");
  }
  const SpatialPadding padding =
      ctx.op().options.padding == Padding::kSame ? kSpatialPaddingSame : kSpatialPaddingValid;
  AxisGeometry g;
  g.out = spatial_output_size(padding, in, filter, stride, dilation);
  g.pad = spatial_leading_padding(in, filter, stride, dilation, g.out);
  return g;
}

}  // namespace

WindowPadding lower_window_padding(const LoweringContext& ctx, int32_t filter_h, int32_t filter_w,
                                   int32_t dilation_h, int32_t dilation_w) {
  const Tensor& input = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const OpOptions& o = ctx.op().options;
  const AxisGeometry h = lower_axis(ctx, "h", input.shape[1], filter_h, o.stride_h, dilation_h);
  const AxisGeometry w = lower_axis(ctx, "w", input.shape[2], filter_w, o.stride_w, dilation_w);
  if (h.out < 1 || w.out < 1 || output.shape[1] != h.out || output.shape[2] != w.out) {
    const char* padding = o.padding == Padding::kSame ? "SAME" : "VALID";
    ctx.fail_output(0, "shape " + shape_string(output.shape) + " does not match " + padding +
                           " padding of input " + shape_string(input.shape) + " (expected height " +
                           std::to_string(h.out) + ", width " + std::to_string(w.out) + ")");
  }
  return {static_cast<int32_t>(h.pad), static_cast<int32_t>(w.pad)};
}

void require_operands(const LoweringContext& ctx, size_t min_inputs, size_t max_inputs) {
  const size_t inputs = ctx.input_count();
  if (inputs < min_inputs || inputs > max_inputs) {
    ctx.fail("expects " + std::to_string(min_inputs) +
             (max_inputs > min_inputs ? " to " + std::to_string(max_inputs) : std::string()) +
             " inputs, has " + std::to_string(inputs));
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
  }
  if (ctx.op().outputs.size() != 1) {
    ctx.fail("expects 1 output, has " + std::to_string(ctx.op().outputs.size()));
  }
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) continue;
    for (int32_t d : ctx.input(i).shape) {
      if (d < 1) ctx.fail_input(i, "shape " + shape_string(ctx.input(i).shape) + " is empty");
    }
  }
  for (size_t i = 0; i < ctx.op().outputs.size(); ++i) {
    for (int32_t d : ctx.output(i).shape) {
      if (d < 1) ctx.fail_output(i, "shape " + shape_string(ctx.output(i).shape) + " is empty");
    }
  }
}

void require_input_rank(const LoweringContext& ctx, size_t i, size_t rank) {
  const Tensor& t = ctx.input(i);
  if (t.shape.size() != rank) {
    ctx.fail_input(i, "must have rank " + std::to_string(rank) + ", has shape " +
                          shape_string(t.shape));
  }
}

void require_output_rank(const LoweringContext& ctx, size_t i, size_t rank) {
  const Tensor& t = ctx.output(i);
  if (t.shape.size() != rank) {
    ctx.fail_output(i, "must have rank " + std::to_string(rank) + ", has shape " +
                           shape_string(t.shape));
  }
}

void require_conv_filter_and_bias(const LoweringContext& ctx, int32_t axis, int32_t channels) {
  ctx.require_constant_input(1);
  const Tensor& filter = ctx.input(1);
  if (filter.type != kTensorTypeInt8 || filter.quant.scales.empty()) {
    ctx.fail_input(1, "filter must be int8 and quantized");
  }
  for (int64_t zp : filter.quant.zero_points) {
    if (zp != 0) ctx.fail_input(1, "filter must be symmetric (zero point 0)");
  }
  if (filter.quant.per_channel() &&
      (filter.quant.axis != axis || filter.quant.scales.size() != static_cast<size_t>(channels))) {
    ctx.fail_input(1, "per-axis quantization on axis " + std::to_string(filter.quant.axis) +
                          " with " + std::to_string(filter.quant.scales.size()) +
                          " scales is not supported (expected axis " + std::to_string(axis) +
                          " with " + std::to_string(channels) + ")");
  }
  if (ctx.has_input(2)) {
    ctx.require_constant_input(2);
    const Tensor& bias = ctx.input(2);
    if (bias.type != kTensorTypeInt32 || bias.element_count() != channels) {
      ctx.fail_input(2, "bias must be int32 with one value per output channel (" +
                            std::to_string(channels) + ")");
    }
  }
}

uint32_t lower_conv_requant(LoweringContext& ctx, int32_t channels) {
  const double input_scale = static_cast<double>(ctx.input(0).quant.scales[0]);
  const double output_scale = static_cast<double>(ctx.output(0).quant.scales[0]);
  const std::vector<float>& filter_scales = ctx.input(1).quant.scales;
  std::vector<int32_t> arrays(2 * static_cast<size_t>(channels));
  for (int32_t c = 0; c < channels; ++c) {
    const float scale = filter_scales.size() > 1 ? filter_scales[c] : filter_scales[0];
    const QuantizedMultiplier q =
        quantize_multiplier(input_scale * static_cast<double>(scale) / output_scale);
    arrays[c] = q.multiplier;
    arrays[channels + c] = q.shift;
  }
  return ctx.params().append(arrays.data(), arrays.size() * sizeof(int32_t));
}

LoweredOp lower_pool_2d(LoweringContext& ctx, OpCode opcode) {
  require_operands(ctx, 1, 1);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  require_input_rank(ctx, 0, 4);
  require_output_rank(ctx, 0, 4);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (out.shape[0] != in.shape[0] || out.shape[3] != in.shape[3]) {
    ctx.fail_output(0, "batch and depth must match the input's");
  }
  const double scale_diff = std::abs(static_cast<double>(in.quant.scales[0]) -
                                     static_cast<double>(out.quant.scales[0]));
  if (scale_diff > 1.0e-6 || in.quant.zero_points[0] != out.quant.zero_points[0]) {
    ctx.fail_output(0, "quantization must equal the input's (TFLM pools without requantizing)");
  }
  const OpOptions& o = ctx.op().options;
  if (static_cast<int64_t>(o.filter_h) * o.filter_w > kPoolMaxWindow) {
    ctx.fail("window " + std::to_string(o.filter_h) + "x" + std::to_string(o.filter_w) +
             " exceeds " + std::to_string(kPoolMaxWindow) + " taps");
  }
  const WindowPadding padding = lower_window_padding(ctx, o.filter_h, o.filter_w, 1, 1);
  const ActivationRange range = ctx.fused_activation_range();
  PoolParams p{};
  p.filter_h = o.filter_h;
  p.filter_w = o.filter_w;
  p.stride_h = o.stride_h;
  p.stride_w = o.stride_w;
  p.pad_h = padding.pad_h;
  p.pad_w = padding.pad_w;
  p.act_min = range.min;
  p.act_max = range.max;
  return ctx.lowered(opcode, p);
}

}  // namespace tmf::host
