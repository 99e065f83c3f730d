// LOGISTIC int8 reference kernel (contract in logistic.h).
#include "logistic.h"

#include "../fixed_point.h"

namespace tmf {
namespace {

Status logistic_prepare(const OpContext& ctx) {
  return fixed_point_activation_prepare(ctx, -128, 1.0f / 256);
}

Status logistic_eval(const EvalContext& ctx) {
  return fixed_point_activation_eval(ctx, -128, 127, [](int32_t input_q4) {
    const int32_t output_q0 = fixed_point::logistic<kFixedPointActivationInputBits>(input_q4);
    // Q0.31 -> units of 1/256, then the zero point -128.
    return static_cast<int8_t>(clamp_i32(rounding_divide_by_pot(output_q0, 23) - 128, -128, 127));
  });
}

}  // namespace

extern const KernelRegistration kKernelLogistic = {kOpLogistic, logistic_prepare, logistic_eval};

}  // namespace tmf
