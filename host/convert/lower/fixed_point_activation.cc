// LOGISTIC and TANH lowering shared part (fixed_point_activation.h).
#include "host/convert/lower/fixed_point_activation.h"

#include <cmath>

namespace tmf::host {

FixedPointActivationParams lower_fixed_point_activation(const LoweringContext& ctx,
                                                        int32_t output_zero_point,
                                                        float output_scale, const char* name) {
  constexpr int kBits = kFixedPointActivationInputBits;
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (out.quant.zero_points[0] != output_zero_point || out.quant.scales[0] != output_scale) {
    ctx.fail_output(0, std::string("int8 ") + name + " output must have scale 1/" +
                           std::to_string(static_cast<int>(1.0f / output_scale)) +
                           " and zero point " + std::to_string(output_zero_point));
  }
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");

  const double input_real_multiplier =
      static_cast<double>(in.quant.scales[0]) * static_cast<double>(1 << (31 - kBits));
  int left_shift = 0;
  const double fraction = std::frexp(input_real_multiplier, &left_shift);
  const int64_t multiplier = static_cast<int64_t>(std::round(fraction * static_cast<double>(1LL << 31)));
  if (left_shift < 0 || left_shift > 30 || multiplier >= (1LL << 31)) {
    ctx.fail_input(0, "scale " + std::to_string(in.quant.scales[0]) + " is outside the range TFLM's int8 " +
                          name + " handles [2^-28, 8)");
  }
  FixedPointActivationParams p{};
  p.input_zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  p.input_multiplier = static_cast<int32_t>(multiplier);
  p.input_left_shift = left_shift;
  // CalculateInputRadius(4, left_shift, 31), computed as TFLM does.
  p.input_range_radius = static_cast<int32_t>(std::floor(
      1.0 * ((1 << kBits) - 1) * static_cast<double>(1LL << (31 - kBits)) /
      static_cast<double>(1LL << left_shift)));
  return p;
}

}  // namespace tmf::host
