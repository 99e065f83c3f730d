// DEQUANTIZE lowering: int8 or int16 per-tensor to float32 (TFLM's dequantize_common.cc); the
// params carry the input's scale and zero point.
#include "device/runtime/kernels/dequantize.h"

#include "host/convert/lower.h"

namespace tmf::host {

LoweredOp lower_dequantize(LoweringContext& ctx) {
  if (ctx.input_count() != 1) ctx.fail("expects 1 input, has " + std::to_string(ctx.input_count()));
  const Tensor& in = ctx.input(0);
  const Tensor& out = ctx.output(0);
  if ((in.type != kTensorTypeInt8 && in.type != kTensorTypeInt16) || !in.quant.per_tensor()) {
    ctx.fail_input(0, "must be int8 or int16 with per-tensor quantization");
  }
  if (out.type != kTensorTypeFloat32) ctx.fail_output(0, "must be float32");
  if (in.shape != out.shape) ctx.fail_output(0, "shape differs from the input's");
  DequantizeParams p{};
  p.scale = in.quant.scales[0];
  p.zero_point = static_cast<int32_t>(in.quant.zero_points[0]);
  return ctx.lowered(kOpDequantize, p);
}

}  // namespace tmf::host
