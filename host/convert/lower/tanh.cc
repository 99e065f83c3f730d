// TANH lowering: TFLM's int8 Prepare (lower/fixed_point_activation.h).
#include "device/runtime/kernels/tanh.h"

#include "host/convert/lower/fixed_point_activation.h"

namespace tmf::host {

LoweredOp lower_tanh(LoweringContext& ctx) {
  return ctx.lowered(kOpTanh, lower_fixed_point_activation(ctx, 0, 1.0f / 128, "tanh"));
}

}  // namespace tmf::host
