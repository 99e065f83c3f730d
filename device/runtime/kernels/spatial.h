// Window geometry shared by the NHWC windowed ops (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D,
// MAX_POOL_2D): TFLite's output size and leading padding for SAME/VALID padding
// (tensorflow/lite/kernels/padding.h: ComputeOutSize, ComputePaddingWithOffset), which the host
// uses to compute params and prepare() uses to check them; the clipping of a window to the image;
// PoolParams, the params struct of both pooling ops; and the prepare() checks the two pools and
// the two convolutions share.
#pragma once

#include <stdint.h>

#include "../kernel.h"
#include "requant.h"

namespace tmf {

// Limits that keep every coordinate eval() computes inside int32: input extents are at most
// 2^28 (model_validate), strides and dilations at most 2^16, a dilated filter spans at most 2^30.
constexpr int64_t kSpatialMaxStride = 1 << 16;
constexpr int64_t kSpatialMaxEffectiveFilter = 1 << 30;

enum SpatialPadding : uint32_t {
  kSpatialPaddingSame = 0,
  kSpatialPaddingValid = 1,
};

// Taps a dilated filter spans: (filter - 1) * dilation + 1.
inline int64_t spatial_effective_filter(int64_t filter, int64_t dilation) {
  return (filter - 1) * dilation + 1;
}

// TFLite's ComputeOutSize (C division, so a filter wider than the input gives <= 0 for VALID).
inline int64_t spatial_output_size(SpatialPadding padding, int64_t in, int64_t filter,
                                   int64_t stride, int64_t dilation) {
  if (padding == kSpatialPaddingSame) return (in + stride - 1) / stride;
  return (in + stride - spatial_effective_filter(filter, dilation)) / stride;
}

// TFLite's ComputePaddingWithOffset: the padding before the first row/column. When the total is
// odd the extra row/column goes after the last one, which the kernels never need to know: taps
// outside the image are skipped.
inline int64_t spatial_leading_padding(int64_t in, int64_t filter, int64_t stride,
                                       int64_t dilation, int64_t out) {
  const int64_t total = (out - 1) * stride + spatial_effective_filter(filter, dilation) - in;
  return total > 0 ? total / 2 : 0;
}

// One spatial axis of a windowed op, as the tensors and params state it.
struct SpatialAxis {
  int32_t in;
  int32_t out;
  int32_t filter;
  int32_t stride;
  int32_t dilation;
  int32_t pad;  // leading padding
};

// True if `out` and `pad` are exactly what TFLite computes for this axis under SAME or VALID
// padding, and the axis is within the limits above. Then every window overlaps the image (no
// empty average), and eval()'s int32 coordinates cannot overflow.
inline bool spatial_axis_is_valid(const SpatialAxis& a) {
  if (a.in < 1 || a.out < 1 || a.filter < 1 || a.stride < 1 || a.dilation < 1) return false;
  if (a.stride > kSpatialMaxStride || a.dilation > kSpatialMaxStride) return false;
  if (spatial_effective_filter(a.filter, a.dilation) > kSpatialMaxEffectiveFilter) return false;
  const SpatialPadding paddings[2] = {kSpatialPaddingSame, kSpatialPaddingValid};
  for (SpatialPadding padding : paddings) {
    const int64_t out = spatial_output_size(padding, a.in, a.filter, a.stride, a.dilation);
    if (out == a.out &&
        spatial_leading_padding(a.in, a.filter, a.stride, a.dilation, out) == a.pad) {
      return true;
    }
  }
  return false;
}

// The filter taps [begin, end) of a window whose first tap is at `origin` (negative inside the
// leading padding), with `count` taps `dilation` apart, that land inside [0, extent). Computed
// once per output position so the accumulation loops need no bounds test per tap; the same taps
// TFLM's reference kernels keep with their per-tap "is_point_inside_image" test.
struct SpatialTaps {
  int32_t begin;
  int32_t end;
};

inline SpatialTaps spatial_taps(int32_t origin, int32_t count, int32_t dilation, int32_t extent) {
  int32_t begin = origin >= 0 ? 0 : (dilation - 1 - origin) / dilation;
  const int32_t room = extent - origin;  // taps must satisfy t * dilation < room
  int32_t end = room <= 0 ? 0 : (room + dilation - 1) / dilation;
  if (end > count) end = count;
  if (begin > end) begin = end;
  return {begin, end};
}

// AVERAGE_POOL_2D and MAX_POOL_2D parameters (format: docs/format.md, ops 4 and 5).
//   filter_h, filter_w  window size, >= 1
//   stride_h, stride_w  in [1, 2^16]
//   pad_h, pad_w        leading (top, left) padding: TFLite's SAME or VALID value for these
//                       shapes (spatial_axis_is_valid)
//   act_min, act_max    fused activation as an int8 range of the output
struct PoolParams {
  int32_t filter_h;
  int32_t filter_w;
  int32_t stride_h;
  int32_t stride_w;
  int32_t pad_h;
  int32_t pad_w;
  int32_t act_min;
  int32_t act_max;
};

// Largest window area of a pool: keeps an average's int32 sum free of overflow (2^23 * 128).
constexpr int64_t kPoolMaxWindow = int64_t{1} << 23;

// prepare() of both pooling ops: one int8 NHWC input and output with the same quantization
// (TFLM's PoolingPrepare: |scale difference| <= 1e-6, equal zero points), same batch and depth,
// and a window geometry TFLite would compute.
inline Status pool_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(PoolParams)) return Status::kErrBadParams;
  const PoolParams& p = ctx.params<PoolParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  const double scale_diff = static_cast<double>(in.scale) - static_cast<double>(out.scale);
  if (scale_diff > 1.0e-6 || scale_diff < -1.0e-6 || in.zero_point != out.zero_point) {
    return Status::kErrBadQuantization;
  }
  if (in.rank != 4 || out.rank != 4 || in.dims[0] != out.dims[0] || in.dims[3] != out.dims[3]) {
    return Status::kErrShapeMismatch;
  }
  if (static_cast<int64_t>(p.filter_h) * p.filter_w > kPoolMaxWindow) return Status::kErrBadParams;
  const SpatialAxis height{in.dims[1], out.dims[1], p.filter_h, p.stride_h, 1, p.pad_h};
  const SpatialAxis width{in.dims[2], out.dims[2], p.filter_w, p.stride_w, 1, p.pad_w};
  if (!spatial_axis_is_valid(height) || !spatial_axis_is_valid(width)) return Status::kErrBadParams;
  return check_activation_range(p.act_min, p.act_max, out.type);
}

// Largest number of taps (kh * kw * filter depth) of one convolution output: keeps the int32 tap
// sum exact, 65535 * 128 * 255 < 2^31 (TFLM assumes the same bound without checking it).
constexpr int64_t kConvMaxTaps = 65535;

// Operand checks shared by CONV_2D and DEPTHWISE_CONV_2D prepare(), once the caller has checked
// operand counts, ranks and out_channels: int8 input/output, constant quantized int8 filter with
// zero point 0, optional constant int32 bias of out_channels, params matching the tensors'
// zero points, a valid activation range and valid per-channel requantization arrays.
inline Status conv_check_operands(const OpContext& ctx, int32_t out_channels,
                                  int32_t input_zero_point, int32_t output_zero_point,
                                  int32_t act_min, int32_t act_max, uint32_t per_channel) {
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& filter = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out) ||
      filter.type != kTensorTypeInt8 || filter.quant == kTensorQuantNone) {
    return Status::kErrTypeMismatch;
  }
  if (filter.storage != kTensorStorageConstant) return Status::kErrShapeMismatch;
  if (filter.quant == kTensorQuantPerTensor && filter.zero_point != 0) {
    return Status::kErrBadQuantization;
  }
  if (ctx.has_input(2)) {
    const TensorRecord& bias = ctx.input(2);
    if (bias.type != kTensorTypeInt32) return Status::kErrTypeMismatch;
    if (bias.storage != kTensorStorageConstant ||
        tensor_element_count(bias) != static_cast<uint32_t>(out_channels)) {
      return Status::kErrShapeMismatch;
    }
  }
  if (input_zero_point != in.zero_point || output_zero_point != out.zero_point) {
    return Status::kErrBadParams;
  }
  const Status s = check_activation_range(act_min, act_max, out.type);
  if (s != Status::kOk) return s;
  if (per_channel == kTmfNoPerChannel) return Status::kErrBadParams;
  return requant_arrays_check(ctx, per_channel, static_cast<uint32_t>(out_channels));
}

}  // namespace tmf
