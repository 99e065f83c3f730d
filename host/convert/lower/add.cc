// ADD lowering: TFLM's Prepare for int8 ADD (add_common.cc): both inputs rescaled to
// 2 * max(s1, s2) with 20 bits of headroom, the output multiplier from that scale, the fused
// activation range; broadcasting is checked here and resolved by the kernel from the shapes.
#include "device/runtime/kernels/add.h"

#include <algorithm>

#include "host/convert/lower.h"
#include "host/convert/lower/add_params.h"
#include "host/convert/quant_params.h"

namespace tmf::host {

AddParams lower_add_params(LoweringContext& ctx) {
  if (ctx.input_count() != 2)
    ctx.fail("expects 2 inputs, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_input(1);
  ctx.require_int8_per_tensor_output(0);
  ctx.require_inputs_broadcast_to_output();
  const Tensor& in1 = ctx.input(0);
  const Tensor& in2 = ctx.input(1);
  const Tensor& out = ctx.output(0);

  // TFLM: twice_max_input_scale = 2 * max(s1, s2) (the max taken in float), all else in double.
  const double twice_max_input_scale =
      2 * static_cast<double>(std::max(in1.quant.scales[0], in2.quant.scales[0]));
  const double real_input1 = static_cast<double>(in1.quant.scales[0]) / twice_max_input_scale;
  const double real_input2 = static_cast<double>(in2.quant.scales[0]) / twice_max_input_scale;
  const double real_output =
      twice_max_input_scale / ((1 << kAddLeftShift) * static_cast<double>(out.quant.scales[0]));
  if (!(real_output < 1.0)) {
    ctx.fail_output(0, "scale " + std::to_string(out.quant.scales[0]) +
                           " is too small for the input scales (TFLM needs 2 * max(s1, s2) < "
                           "2^20 * output scale)");
  }
  const QuantizedMultiplier q1 = quantize_multiplier(real_input1);
  const QuantizedMultiplier q2 = quantize_multiplier(real_input2);
  const QuantizedMultiplier qo = quantize_multiplier(real_output);

  AddParams p{};
  p.input1_offset = -static_cast<int32_t>(in1.quant.zero_points[0]);
  p.input2_offset = -static_cast<int32_t>(in2.quant.zero_points[0]);
  p.output_offset = static_cast<int32_t>(out.quant.zero_points[0]);
  p.left_shift = kAddLeftShift;
  p.input1_multiplier = q1.multiplier;
  p.input1_shift = q1.shift;
  p.input2_multiplier = q2.multiplier;
  p.input2_shift = q2.shift;
  p.output_multiplier = qo.multiplier;
  p.output_shift = qo.shift;
  const ActivationRange range = ctx.fused_activation_range();
  p.act_min = range.min;
  p.act_max = range.max;
  return p;
}

LoweredOp lower_add(LoweringContext& ctx) { return ctx.lowered(kOpAdd, lower_add_params(ctx)); }

}  // namespace tmf::host
