// MUL lowering: TFLM's Prepare for int8 MUL (mul_common.cc): one requantization multiplier
// s1 * s2 / s_out and the fused activation range; broadcasting is checked here and resolved by
// the kernel from the shapes.
#include "device/runtime/kernels/mul.h"

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {
namespace {

std::string shape_text(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Inputs 0 and 1 must broadcast (TFLite rules, rank <= 4) to exactly the output's shape.
void require_broadcast_to_output(const LoweringContext& ctx) {
  const std::vector<int32_t>& a = ctx.input(0).shape;
  const std::vector<int32_t>& b = ctx.input(1).shape;
  const std::vector<int32_t>& out = ctx.output(0).shape;
  if (a.size() > kTmfMaxRank) ctx.fail_input(0, "rank " + std::to_string(a.size()) + " exceeds 4");
  if (b.size() > kTmfMaxRank) ctx.fail_input(1, "rank " + std::to_string(b.size()) + " exceeds 4");
  if (out.size() > kTmfMaxRank)
    ctx.fail_output(0, "rank " + std::to_string(out.size()) + " exceeds 4");
  const auto dim = [](const std::vector<int32_t>& s, size_t i) {  // i counts from the last dim
    return i < s.size() ? s[s.size() - 1 - i] : 1;
  };
  for (size_t i = 0; i < kTmfMaxRank; ++i) {
    const int32_t da = dim(a, i), db = dim(b, i);
    if (da != db && da != 1 && db != 1) {
      ctx.fail_input(
          1, "shape " + shape_text(b) + " does not broadcast with input 0's " + shape_text(a));
    }
    if (dim(out, i) != (da == 1 ? db : da)) {
      ctx.fail_output(0, "shape " + shape_text(out) + " is not the broadcast of " + shape_text(a) +
                             " and " + shape_text(b));
    }
  }
}

ActivationRange fused_activation_range(const LoweringContext& ctx, const Tensor& output) {
  try {
    return activation_range(ctx.op().options.activation, output.type, output.quant.scales[0],
                            static_cast<int32_t>(output.quant.zero_points[0]));
  } catch (const ConvertError& e) {
    ctx.fail(e.what());
  }
}

}  // namespace

LoweredOp lower_mul(LoweringContext& ctx) {
  if (ctx.input_count() != 2)
    ctx.fail("expects 2 inputs, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_input(1);
  ctx.require_int8_per_tensor_output(0);
  require_broadcast_to_output(ctx);
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
  const ActivationRange range = fused_activation_range(ctx, out);
  p.act_min = range.min;
  p.act_max = range.max;
  return ctx.lowered(kOpMul, p);
}

}  // namespace tmf::host
