// LOGISTIC lowering: TFLM's Prepare for int8 (logistic_common.cc): the input scale as a Q4.27
// multiplier taken straight from frexp (not TFLite's QuantizeMultiplier) and the input range
// radius beyond which the output saturates.
#include "device/runtime/kernels/logistic.h"

#include <cmath>

#include "host/convert/lower.h"

namespace tmf::host {

LoweredOp lower_logistic(LoweringContext& ctx) {
  constexpr int kInputIntegerBits = 4;
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (out.quant.zero_points[0] != -128 || out.quant.scales[0] != 1.0f / 256) {
    ctx.fail_output(0, "int8 logistic output must have scale 1/256 and zero point -128");
  }
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");

  const double input_real_multiplier =
      static_cast<double>(in.quant.scales[0]) * static_cast<double>(1 << (31 - kInputIntegerBits));
  int left_shift = 0;
  const double fraction = std::frexp(input_real_multiplier, &left_shift);
  const int64_t multiplier =
      static_cast<int64_t>(std::round(fraction * static_cast<double>(1LL << 31)));
  if (left_shift < 0 || left_shift > 30 || multiplier >= (1LL << 31)) {
    ctx.fail_input(0, "scale " + std::to_string(in.quant.scales[0]) +
                          " is outside the range TFLM's int8 logistic handles [2^-28, 8)");
  }
  LogisticParams p{};
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.input_multiplier = static_cast<int32_t>(multiplier);
  p.input_left_shift = left_shift;
  // CalculateInputRadius(4, left_shift, 31), computed as TFLM does.
  p.input_range_radius = static_cast<int32_t>(std::floor(
      1.0 * ((1 << kInputIntegerBits) - 1) * static_cast<double>(1LL << (31 - kInputIntegerBits)) /
      static_cast<double>(1LL << left_shift)));
  return ctx.lowered(kOpLogistic, p);
}

}  // namespace tmf::host
