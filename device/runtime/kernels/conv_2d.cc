// CONV_2D int8 reference kernel (semantics: conv_2d.h).
#include "conv_2d.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "requant.h"
#include "spatial.h"

namespace tmf {
namespace {

Status conv_2d_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 3, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(Conv2DParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<Conv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (in.rank != 4 || filter.rank != 4 || out.rank != 4) return Status::kErrShapeMismatch;
  const int32_t out_c = filter.dims[0];
  const int32_t filter_in_c = filter.dims[3];
  if (in.dims[0] != out.dims[0] || out.dims[3] != out_c || in.dims[3] % filter_in_c != 0) {
    return Status::kErrShapeMismatch;
  }
  const int32_t groups = in.dims[3] / filter_in_c;
  if (out_c % groups != 0) return Status::kErrShapeMismatch;
  if (static_cast<int64_t>(filter.dims[1]) * filter.dims[2] * filter_in_c > kConvMaxTaps) {
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

// Sum over the in-image taps of one output channel: filter_oc[fy][fx][ic] * (pixel[ic] + offset).
// `group_image` points at the batch's image, already advanced to the group's first channel.
int32_t conv_accumulate(const int8_t* group_image, const int8_t* filter_oc, int32_t input_offset,
                        SpatialTaps ty, SpatialTaps tx, int32_t y0, int32_t x0,
                        const Conv2DParams& p, int32_t in_w, int32_t in_c, int32_t kw,
                        int32_t filter_in_c) {
  int32_t acc = 0;
  for (int32_t fy = ty.begin; fy < ty.end; ++fy) {
    const int8_t* row = group_image + (y0 + fy * p.dilation_h) * in_w * in_c;
    const int8_t* taps = filter_oc + fy * kw * filter_in_c;
    for (int32_t fx = tx.begin; fx < tx.end; ++fx) {
      const int8_t* pixel = row + (x0 + fx * p.dilation_w) * in_c;
      const int8_t* weights = taps + fx * filter_in_c;
      for (int32_t ic = 0; ic < filter_in_c; ++ic) {
        acc += static_cast<int32_t>(weights[ic]) * (static_cast<int32_t>(pixel[ic]) + input_offset);
      }
    }
  }
  return acc;
}

Status conv_2d_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<Conv2DParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  const int32_t batches = in.dims[0], in_h = in.dims[1], in_w = in.dims[2], in_c = in.dims[3];
  const int32_t out_c = filter.dims[0], kh = filter.dims[1], kw = filter.dims[2];
  const int32_t filter_in_c = filter.dims[3];
  const int32_t out_h = out.dims[1], out_w = out.dims[2];
  const int32_t filters_per_group = out_c / (in_c / filter_in_c);
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
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int32_t group = oc / filters_per_group;
          int32_t acc = conv_accumulate(image + group * filter_in_c,
                                        filters + oc * kh * kw * filter_in_c, input_offset, ty,
                                        tx, y0, x0, p, in_w, in_c, kw, filter_in_c);
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

extern const KernelRegistration kKernelConv2D = {kOpConv2D, conv_2d_prepare, conv_2d_eval};

}  // namespace tmf
