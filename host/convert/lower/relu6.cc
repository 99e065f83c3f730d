// RELU6 lowering: TFLM's Prepare for int8 RELU6 (activations_common.cc, Relu6Prepare): the
// clamp bounds 0 and 6 quantized with the input's scale and zero point (FloatToQuantizedType).
#include "device/runtime/kernels/relu6.h"

#include <algorithm>
#include <cmath>

#include "host/convert/lower.h"

namespace tmf::host {

LoweredOp lower_relu6(LoweringContext& ctx) {
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  ctx.require_int8_per_tensor_input(0);
  ctx.require_int8_per_tensor_output(0);
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");
  const int32_t zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  // FloatToQuantizedType<int8_t>(6.0f, s_in, zp): round(6.0f / s_in) + zp, clamped to int8.
  const double six = std::round(6.0f / in.quant.scales[0]) + zero_point;
  Relu6Params p{};
  p.lower = zero_point;
  p.upper = static_cast<int32_t>(std::clamp(six, -128.0, 127.0));
  return ctx.lowered(kOpRelu6, p);
}

}  // namespace tmf::host
