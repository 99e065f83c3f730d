// DEPTHWISE_CONV_2D int8 reference kernel (semantics: depthwise_conv_2d.h).
#include "depthwise_conv_2d.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "requant.h"
#include "spatial.h"

namespace tmf {
namespace {

Status depthwise_conv_2d_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 3, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(DepthwiseConv2DParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<DepthwiseConv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (in.rank != 4 || filter.rank != 4 || out.rank != 4) return Status::kErrShapeMismatch;
  const int32_t out_c = filter.dims[3];
  if (p.depth_multiplier < 1 || filter.dims[0] != 1 || in.dims[0] != out.dims[0] ||
      out.dims[3] != out_c ||
      static_cast<int64_t>(in.dims[3]) * p.depth_multiplier != out_c) {
    return Status::kErrShapeMismatch;
  }
  if (static_cast<int64_t>(filter.dims[1]) * filter.dims[2] > kConvMaxTaps) {
    return Status::kErrShapeMismatch;
  }
  const SpatialAxis height{in.dims[1], out.dims[1], filter.dims[1],
                           p.stride_h, p.dilation_h, p.pad_h};
  const SpatialAxis width{in.dims[2], out.dims[2], filter.dims[2],
                          p.stride_w, p.dilation_w, p.pad_w};
  if (!spatial_axis_is_valid(height) || !spatial_axis_is_valid(width)) return Status::kErrBadParams;
  return conv_check_operands(ctx, out_c, p.input_zero_point, p.output_zero_point, p.act_min,
                             p.act_max, p.per_channel);
}

// Sum over the in-image taps of output channel oc, which reads input channel ic:
// filter[fy][fx][oc] * (image[y][x][ic] + offset).
int32_t depthwise_accumulate(const int8_t* image_ic, const int8_t* filter_oc, int32_t input_offset,
                             SpatialTaps ty, SpatialTaps tx, int32_t y0, int32_t x0,
                             const DepthwiseConv2DParams& p, int32_t in_w, int32_t in_c,
                             int32_t kw, int32_t out_c) {
  int32_t acc = 0;
  for (int32_t fy = ty.begin; fy < ty.end; ++fy) {
    const int8_t* row = image_ic + (y0 + fy * p.dilation_h) * in_w * in_c;
    const int8_t* taps = filter_oc + fy * kw * out_c;
    for (int32_t fx = tx.begin; fx < tx.end; ++fx) {
      const int32_t pixel = row[(x0 + fx * p.dilation_w) * in_c];
      acc += static_cast<int32_t>(taps[fx * out_c]) * (pixel + input_offset);
    }
  }
  return acc;
}

Status depthwise_conv_2d_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<DepthwiseConv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  const int32_t batches = in.dims[0], in_h = in.dims[1], in_w = in.dims[2], in_c = in.dims[3];
  const int32_t kh = filter.dims[1], kw = filter.dims[2], out_c = filter.dims[3];
  const int32_t out_h = out.dims[1], out_w = out.dims[2];
  const int8_t* input = ctx.input_data<int8_t>(0);
  const int8_t* filters = ctx.input_data<int8_t>(1);
  const int32_t* bias = ctx.has_input(2) ? ctx.input_data<int32_t>(2) : nullptr;
  int8_t* output = ctx.output_data<int8_t>(0);
  const RequantArrays requant = requant_arrays(ctx, p.per_channel, static_cast<uint32_t>(out_c));
  const int32_t input_offset = -p.input_zero_point;

  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* image = input + b * in_h * in_w * in_c;
    for (int32_t oy = 0; oy < out_h; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const SpatialTaps ty = spatial_taps(y0, kh, p.dilation_h, in_h);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const SpatialTaps tx = spatial_taps(x0, kw, p.dilation_w, in_w);
        // Output channels come out in order: oc = ic * depth_multiplier + m.
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t ic = oc / p.depth_multiplier;
          int32_t acc = depthwise_accumulate(image + ic, filters + oc, input_offset, ty, tx, y0,
                                             x0, p, in_w, in_c, kw, out_c);
          if (bias != nullptr) acc = wrapping_add(acc, bias[oc]);
          acc = multiply_by_quantized_multiplier(acc, requant.multiplier[oc], requant.shift[oc]);
          acc = wrapping_add(acc, p.output_zero_point);
          *output++ = static_cast<int8_t>(clamp_i32(acc, p.act_min, p.act_max));
        }
      }
    }
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelDepthwiseConv2D = {
    kOpDepthwiseConv2D, depthwise_conv_2d_prepare, depthwise_conv_2d_eval};

}  // namespace tmf
