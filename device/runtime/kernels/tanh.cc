// TANH int8 reference kernel (contract in tanh.h).
#include "tanh.h"

#include "../fixed_point.h"

namespace tmf {
namespace {

Status tanh_prepare(const OpContext& ctx) { return fixed_point_activation_prepare(ctx, 0, 1.0f / 128); }

Status tanh_eval(const EvalContext& ctx) {
  return fixed_point_activation_eval(ctx, -128, 127, [](int32_t input_q4) {
    const int32_t output_q0 = fixed_point::tanh<kFixedPointActivationInputBits>(input_q4);
    // Q0.31 -> units of 1/128 (zero point 0).
    return static_cast<int8_t>(clamp_i32(rounding_divide_by_pot(output_q0, 24), -128, 127));
  });
}

}  // namespace

extern const KernelRegistration kKernelTanh = {kOpTanh, tanh_prepare, tanh_eval};

}  // namespace tmf
