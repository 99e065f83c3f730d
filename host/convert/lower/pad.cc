// PAD / PADV2 lowering: the constant paddings tensor (int32 [rank, 2]) and the pad value move
// into PadParams, so the device op has the data input alone. The pad value is the output zero
// point for PAD; for PADV2 the constant_values scalar, which TFLM requires to share the output's
// scale and zero point. Like TFLM, input and output quantization are not compared: bytes copy.
#include "device/runtime/kernels/pad.h"

#include <cstring>

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {
namespace {

int32_t pad_value_of(const LoweringContext& ctx) {
  const Tensor& out = ctx.output(0);
  if (!ctx.has_input(2)) return static_cast<int32_t>(out.quant.zero_points[0]);
  ctx.require_constant_input(2);
  const Tensor& value = ctx.input(2);
  if (value.type != kTensorTypeInt8 || value.element_count() != 1) {
    ctx.fail_input(2, "constant_values must be a single int8 value");
  }
  if (!value.quant.per_tensor() || value.quant.zero_points[0] != out.quant.zero_points[0] ||
      value.quant.scales[0] != out.quant.scales[0]) {
    ctx.fail_input(2, "constant_values must share the output's scale and zero point");
  }
  return static_cast<int8_t>(value.data[0]);
}

}  // namespace

LoweredOp lower_pad(LoweringContext& ctx) {
  require_operands(ctx, 2, 3);
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  ctx.require_constant_input(1);
  const Tensor& in = ctx.input(0);
  const Tensor& paddings = ctx.input(1);
  const Tensor& out = ctx.output(0);
  const size_t rank = in.shape.size();
  if (rank > 4) ctx.fail_input(0, "rank " + std::to_string(rank) + " exceeds 4");
  if (out.shape.size() != rank) ctx.fail_output(0, "rank must equal the input's");
  if (paddings.type != kTensorTypeInt32 ||
      paddings.element_count() != static_cast<int64_t>(2 * rank)) {
    ctx.fail_input(1, "paddings must be int32 [" + std::to_string(rank) + ", 2]");
  }
  std::vector<int32_t> pads(2 * rank);
  std::memcpy(pads.data(), paddings.data.data(), pads.size() * sizeof(int32_t));

  PadParams p{};
  for (size_t i = 0; i < rank; ++i) {
    p.before[i] = pads[2 * i];
    p.after[i] = pads[2 * i + 1];
    if (p.before[i] < 0 || p.after[i] < 0) {
      ctx.fail_input(1, "negative padding " + std::to_string(p.before[i]) + ", " +
                            std::to_string(p.after[i]) + " on dimension " + std::to_string(i) +
                            " is not supported");
    }
    if (static_cast<int64_t>(in.shape[i]) + p.before[i] + p.after[i] != out.shape[i]) {
      ctx.fail_output(0, "dimension " + std::to_string(i) + " is " + std::to_string(out.shape[i]) +
                             ", but input and paddings give " +
                             std::to_string(static_cast<int64_t>(in.shape[i]) + p.before[i] +
                                            p.after[i]));
    }
  }
  p.pad_value = pad_value_of(ctx);

  LoweredOp l = ctx.lowered(kOpPad, p);
  l.inputs.resize(1);  // paddings and constant_values live in the params
  return l;
}

}  // namespace tmf::host
