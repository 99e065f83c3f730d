// MUL lowering: TFLM's Prepare for int8 MUL (mul_common.cc): one requantization multiplier
// s1 * s2 / s_out and the fused activation range; broadcasting is checked here and resolved by
// the kernel from the shapes.
#include "device/runtime/kernels/mul.h"

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {
namespace {

}  // namespace

LoweredOp lower_mul(LoweringContext& ctx) {
  if (ctx.input_count() != 2)
    ctx.fail("expects 2 inputs, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_input(1);
  ctx.require_int8_per_tensor_output(0);
  ctx.require_inputs_broadcast_to_output();
  const Tensor& in1 = ctx.input(0);
  const Tensor& in2 = ctx.input(1);
  const Tensor& out = ctx.output(0);

  const double real_multiplier = static_cast<double>(in1.quant.scales[0]) *
                                 static_cast<double>(in2.quant.scales[0]) /
                                 static_cast<double>(out.quant.scales[0]);
  // TFLM would shift left by more than 30 bits (undefined) long before this bound.
  if (real_multiplier >= 0x1p29) {
    ctx.fail_output(0, "scale " + std::to_string(out.quant.scales[0]) +
                           " is too small for the input scales (s1 * s2 / s_out >= 2^29)");
  }
  const QuantizedMultiplier q = quantize_multiplier(real_multiplier);

  MulParams p{};
  p.input1_offset = -static_cast<int32_t>(in1.quant.zero_points[0]);
  p.input2_offset = -static_cast<int32_t>(in2.quant.zero_points[0]);
  p.output_offset = static_cast<int32_t>(out.quant.zero_points[0]);
  p.output_multiplier = q.multiplier;
  p.output_shift = q.shift;
  const ActivationRange range = ctx.fused_activation_range();
  p.act_min = range.min;
  p.act_max = range.max;
  return ctx.lowered(kOpMul, p);
}

}  // namespace tmf::host
