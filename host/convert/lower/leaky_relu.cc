// LEAKY_RELU lowering: TFLM's CalculateOpDataLeakyRelu for int8. The real multipliers are
// computed in float, as TFLM does (s_in * alpha / s_out and s_in / s_out), then quantized.
#include "device/runtime/kernels/leaky_relu.h"

#include <cmath>

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

LoweredOp lower_leaky_relu(LoweringContext& ctx) {
  if (ctx.input_count() != 1 || ctx.op().outputs.size() != 1) ctx.fail("expects 1 input and 1 output");
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.shape != out.shape) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " differs from the input's " +
                           shape_string(in.shape));
  }
  const float alpha = ctx.op().options.alpha;
  if (!std::isfinite(alpha)) ctx.fail("alpha " + std::to_string(alpha) + " is not finite");
  const float s_in = in.quant.scales[0];
  const float s_out = out.quant.scales[0];
  const float alpha_real = s_in * alpha / s_out;
  const float identity_real = s_in / s_out;
  if (!std::isfinite(alpha_real) || !std::isfinite(identity_real)) {
    ctx.fail("scales " + std::to_string(s_in) + " -> " + std::to_string(s_out) +
             " give a multiplier that is not finite");
  }
  const QuantizedMultiplier a = quantize_multiplier(static_cast<double>(alpha_real));
  const QuantizedMultiplier id = quantize_multiplier(static_cast<double>(identity_real));
  LeakyReluParams p{};
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  p.identity_multiplier = id.multiplier;
  p.identity_shift = id.shift;
  p.alpha_multiplier = a.multiplier;
  p.alpha_shift = a.shift;
  return ctx.lowered(kOpLeakyRelu, p);
}

}  // namespace tmf::host
