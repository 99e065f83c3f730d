// TRANSPOSE_CONV int8 reference kernel (semantics: transpose_conv.h).
#include "transpose_conv.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "requant.h"
#include "spatial.h"

namespace tmf {
namespace {

// True if `pad` is TFLite's leading padding for a stride-`stride` convolution with a `filter`
// window over an `out`-long axis under SAME or VALID padding (TFLM computes it that way).
bool transpose_conv_padding_is_valid(int32_t out, int32_t filter, int32_t stride, int32_t pad) {
  if (stride < 1 || stride > kSpatialMaxStride) return false;
  const SpatialPadding paddings[2] = {kSpatialPaddingSame, kSpatialPaddingValid};
  for (SpatialPadding padding : paddings) {
    const int64_t conv_out = spatial_output_size(padding, out, filter, stride, 1);
    if (spatial_leading_padding(out, filter, stride, 1, conv_out) == pad) return true;
  }
  return false;
}

Status transpose_conv_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 3, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(TransposeConvParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<TransposeConvParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (in.rank != 4 || filter.rank != 4 || out.rank != 4) return Status::kErrShapeMismatch;
  const int32_t out_c = filter.dims[0];
  if (in.dims[0] != out.dims[0] || out.dims[3] != out_c || in.dims[3] != filter.dims[3]) {
    return Status::kErrShapeMismatch;
  }
  if (static_cast<int64_t>(filter.dims[1]) * filter.dims[2] * filter.dims[3] > kConvMaxTaps) {
    return Status::kErrShapeMismatch;
  }
  if (!transpose_conv_padding_is_valid(out.dims[1], filter.dims[1], p.stride_h, p.pad_h) ||
      !transpose_conv_padding_is_valid(out.dims[2], filter.dims[2], p.stride_w, p.pad_w)) {
    return Status::kErrBadParams;
  }
  return conv_check_operands(ctx, out_c, p.input_zero_point, p.output_zero_point, p.act_min,
                             p.act_max, p.per_channel);
}

// The filter taps that reach output `o` along one axis from inside the input: tap t reads input
// (o + pad - t) / stride when the division is exact, so the taps are first, first + stride, ...
// below `last`, reading inputs `input`, input - 1, ... (each in [0, extent)).
struct TransposeTaps {
  int32_t first;  // >= last if no tap reaches o
  int32_t last;
  int32_t input;  // input position read by tap `first`
};

TransposeTaps transpose_taps(int32_t o, int32_t pad, int32_t stride, int32_t filter,
                             int32_t extent) {
  const int32_t shifted = o + pad;  // >= 0: o >= 0 and pad >= 0
  TransposeTaps t;
  t.first = shifted % stride;
  t.last = shifted + 1 < filter ? shifted + 1 : filter;  // input >= 0
  t.input = shifted / stride;
  if (t.input >= extent) {  // skip the taps past the input's end
    const int32_t skip = t.input - (extent - 1);
    t.first += skip * stride;
    t.input = extent - 1;
  }
  return t;
}

Status transpose_conv_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<TransposeConvParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  const int32_t batches = in.dims[0], in_h = in.dims[1], in_w = in.dims[2], in_c = in.dims[3];
  const int32_t out_c = filter.dims[0], kh = filter.dims[1], kw = filter.dims[2];
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
      const TransposeTaps ty = transpose_taps(oy, p.pad_h, p.stride_h, kh, in_h);
      for (int32_t ox = 0; ox < out_w; ++ox) {
        const TransposeTaps tx = transpose_taps(ox, p.pad_w, p.stride_w, kw, in_w);
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int8_t* filter_oc = filters + oc * kh * kw * in_c;
          int32_t acc = 0;
          for (int32_t fy = ty.first, iy = ty.input; fy < ty.last; fy += p.stride_h, --iy) {
            for (int32_t fx = tx.first, ix = tx.input; fx < tx.last; fx += p.stride_w, --ix) {
              const int8_t* pixel = image + (iy * in_w + ix) * in_c;
              const int8_t* weights = filter_oc + (fy * kw + fx) * in_c;
              for (int32_t ic = 0; ic < in_c; ++ic) {
                acc += static_cast<int32_t>(weights[ic]) *
                       (static_cast<int32_t>(pixel[ic]) + input_offset);
              }
            }
          }
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

extern const KernelRegistration kKernelTransposeConv = {kOpTransposeConv, transpose_conv_prepare,
                                                        transpose_conv_eval};

}  // namespace tmf
