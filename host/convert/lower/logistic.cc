// LOGISTIC lowering: TFLM's int8 Prepare (lower/fixed_point_activation.h).
#include "device/runtime/kernels/logistic.h"

#include "host/convert/lower/fixed_point_activation.h"

namespace tmf::host {

LoweredOp lower_logistic(LoweringContext& ctx) {
  return ctx.lowered(kOpLogistic, lower_fixed_point_activation(ctx, -128, 1.0f / 256, "logistic"));
}

}  // namespace tmf::host
