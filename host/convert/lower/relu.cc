// RELU lowering: TFLM's Prepare for int8 RELU (activations_common.cc, CalculateReluOpData): the
// requantization s_in / s_out and the clamp range [max(-128, zp_out), 127].
#include "device/runtime/kernels/relu.h"

#include <algorithm>

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

LoweredOp lower_relu(LoweringContext& ctx) {
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");
  const double real_multiplier =
      static_cast<double>(in.quant.scales[0]) / static_cast<double>(out.quant.scales[0]);
  // TFLM would shift left by more than 30 bits (undefined) long before this bound.
  if (real_multiplier >= 0x1p29) {
    ctx.fail_output(0, "scale " + std::to_string(out.quant.scales[0]) +
                           " is too small for the input scale (s_in / s_out >= 2^29)");
  }
  const QuantizedMultiplier q = quantize_multiplier(real_multiplier);
  ReluParams p{};
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  // TFLM: max(-128, zp_out + round(0 / s_out)); no upper bound.
  p.act_min = std::max(-128, p.output_zero_point);
  p.act_max = 127;
  return ctx.lowered(kOpRelu, p);
}

}  // namespace tmf::host
