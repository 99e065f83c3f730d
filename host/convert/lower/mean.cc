// MEAN lowering: resolves the constant axis tensor (negative axes, duplicates) into a bit mask,
// checks the output shape against keep_dims, and picks TFLM's int8 path: with equal input and
// output quantization reference_ops::Mean (integer division of the sum), otherwise
// QuantizedMeanOrSum, whose eval-time folding of 1/n into QuantizeMultiplier(input_scale /
// output_scale) is done here once: shift' = min(floor(log2 n), 32, 31 + shift),
// multiplier' = (multiplier << shift') / n, shift -= shift'.
#include "device/runtime/kernels/mean.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"
#include "host/convert/quant_params.h"

namespace tmf::host {
namespace {

// Bit i set if input dimension i is reduced.
uint32_t mean_axis_mask(const LoweringContext& ctx, size_t rank) {
  ctx.require_constant_input(1);
  const Tensor& axis = ctx.input(1);
  if (axis.type != kTensorTypeInt32) ctx.fail_input(1, "axis must be int32");
  std::vector<int32_t> axes(static_cast<size_t>(axis.element_count()));
  std::memcpy(axes.data(), axis.data.data(), axes.size() * sizeof(int32_t));
  uint32_t mask = 0;
  for (int32_t a : axes) {
    const int64_t resolved = a < 0 ? static_cast<int64_t>(a) + static_cast<int64_t>(rank) : a;
    if (resolved < 0 || resolved >= static_cast<int64_t>(rank)) {
      ctx.fail_input(1, "axis " + std::to_string(a) + " is outside rank " + std::to_string(rank));
    }
    mask |= 1u << resolved;
  }
  return mask;
}

// TFLM's QuantizedMeanOrSum rescaling for a mean over n values.
QuantizedMultiplier mean_fold_count(QuantizedMultiplier q, int64_t n) {
  int32_t shift = static_cast<int32_t>(std::bit_width(static_cast<uint64_t>(n))) - 1;
  shift = std::min(shift, 32);
  shift = std::min(shift, 31 + q.shift);
  q.multiplier = static_cast<int32_t>((static_cast<int64_t>(q.multiplier) << shift) / n);
  q.shift -= shift;
  return q;
}

}  // namespace

LoweredOp lower_mean(LoweringContext& ctx) {
  require_operands(ctx, 2, 2);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  const size_t rank = in.shape.size();
  if (rank > 4) ctx.fail_input(0, "rank " + std::to_string(rank) + " exceeds 4");
  const bool keep_dims = ctx.op().options.keep_dims;

  MeanParams p{};
  p.axis_mask = mean_axis_mask(ctx, rank);
  p.keep_dims = keep_dims ? 1 : 0;
  std::vector<int32_t> expected;
  int64_t n = 1;
  for (size_t i = 0; i < rank; ++i) {
    const bool reduced = (p.axis_mask >> i) & 1u;
    if (reduced) n *= in.shape[i];
    if (keep_dims || !reduced) expected.push_back(reduced ? 1 : in.shape[i]);
  }
  if (out.shape != expected) {
    ctx.fail_output(0, "shape does not match the reduction of the input over the given axes");
  }
  if (n > kMeanMaxReduced) {
    ctx.fail("averages " + std::to_string(n) + " values per output, more than " +
             std::to_string(kMeanMaxReduced));
  }

  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  const float input_scale = in.quant.scales[0];
  const float output_scale = out.quant.scales[0];
  if (p.input_zero_point == p.output_zero_point && input_scale == output_scale) {
    p.mode = kMeanModeDivide;
  } else {
    p.mode = kMeanModeRequantize;
    const QuantizedMultiplier q = mean_fold_count(
        quantize_multiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale)),
        n);
    p.multiplier = q.multiplier;
    p.shift = q.shift;
  }

  LoweredOp l = ctx.lowered(kOpMean, p);
  l.inputs.resize(1);  // the axes live in the params
  return l;
}

}  // namespace tmf::host
