// HARD_SWISH lowering: TFLM's HardSwishPrepare for int8. Scales are combined in float as TFLM
// does (hires = s_in / 128, then hires / s_out and hires / (3 / 32768)), quantized with
// QuantizeMultiplier and cut to Q15 by DownScaleInt32ToInt16Multiplier.
#include "device/runtime/kernels/hard_swish.h"

#include <cmath>
#include <limits>

#include "host/convert/lower.h"
#include "host/convert/quant_params.h"

namespace tmf::host {
namespace {

// TFLM's DownScaleInt32ToInt16Multiplier: round to Q15, saturating near 1.
int32_t downscale_to_q15(int32_t multiplier) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return 32767;
  return (multiplier + kRoundingOffset) >> 16;
}

}  // namespace

LoweredOp lower_hard_swish(LoweringContext& ctx) {
  if (ctx.input_count() != 1 || ctx.op().outputs.size() != 1) ctx.fail("expects 1 input and 1 output");
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.shape != out.shape) {
    ctx.fail_output(0, "shape " + shape_string(out.shape) + " differs from the input's " +
                           shape_string(in.shape));
  }
  const float hires_input_scale = (1.0f / 128.0f) * in.quant.scales[0];
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_real = hires_input_scale / out.quant.scales[0];
  const float reluish_real = hires_input_scale / reluish_scale;
  const QuantizedMultiplier o = quantize_multiplier(static_cast<double>(output_real));
  const QuantizedMultiplier r = quantize_multiplier(static_cast<double>(reluish_real));
  if (o.shift > 0 || o.shift < -15) {
    ctx.fail_output(0, "scale " + std::to_string(out.quant.scales[0]) +
                           " gives an output exponent of " + std::to_string(o.shift) +
                           " (TFLM's 16-bit arithmetic needs -15..0)");
  }
  if (r.shift < -15) {
    ctx.fail_input(0, "scale " + std::to_string(in.quant.scales[0]) +
                          " is too small for TFLM's 16-bit hard-swish arithmetic");
  }
  HardSwishParams p{};
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.output_zero_point = static_cast<int32_t>(out.quant.zero_points[0]);
  p.output_multiplier = downscale_to_q15(o.multiplier);
  p.output_exponent = o.shift;
  p.reluish_multiplier = downscale_to_q15(r.multiplier);
  p.reluish_exponent = r.shift;
  return ctx.lowered(kOpHardSwish, p);
}

}  // namespace tmf::host
