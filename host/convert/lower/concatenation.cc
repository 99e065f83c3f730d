// CONCATENATION lowering: resolves a negative axis against the output rank (TFLM's
// CalculatePositiveAxis) and checks the shapes. TFLM copies int8 bytes without requantizing and
// without checking, so inputs whose scale or zero point differ from the output's would come out
// wrong; they are rejected, as is a fused activation (TFLM accepts only NONE).
#include "device/runtime/kernels/concatenation.h"

#include "host/convert/lower.h"
#include "host/convert/lower/spatial_params.h"

namespace tmf::host {

LoweredOp lower_concatenation(LoweringContext& ctx) {
  require_operands(ctx, 1, kConcatenationMaxInputs);
  ctx.require_int8_per_tensor_output(0);
  if (ctx.op().options.activation != Activation::kNone) {
    ctx.fail("fused activations are not supported (TFLM accepts only NONE)");
  }
  const Tensor& out = ctx.output(0);
  const int32_t rank = static_cast<int32_t>(out.shape.size());
  if (rank < 1 || rank > 4) ctx.fail_output(0, "rank must be 1 to 4");
  const int32_t given = ctx.op().options.axis;
  const int32_t axis = given < 0 ? given + rank : given;
  if (axis < 0 || axis >= rank) {
    ctx.fail("axis " + std::to_string(given) + " is outside rank " + std::to_string(rank));
  }
  int64_t axis_total = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
    ctx.require_int8_per_tensor_input(i);
    const Tensor& in = ctx.input(i);
    if (in.quant.scales[0] != out.quant.scales[0] ||
        in.quant.zero_points[0] != out.quant.zero_points[0]) {
      ctx.fail_input(i, "quantization must equal the output's (TFLM concatenates bytes)");
    }
    if (in.shape.size() != out.shape.size()) ctx.fail_input(i, "rank must equal the output's");
    for (int32_t d = 0; d < rank; ++d) {
      if (d != axis && in.shape[d] != out.shape[d]) {
        ctx.fail_input(i, "dimension " + std::to_string(d) + " must equal the output's");
      }
    }
    axis_total += in.shape[axis];
  }
  if (axis_total != out.shape[axis]) {
    ctx.fail_output(0, "dimension " + std::to_string(axis) + " must be the inputs' sum " +
                           std::to_string(axis_total));
  }
  ConcatenationParams p{};
  p.axis = axis;
  return ctx.lowered(kOpConcatenation, p);
}

}  // namespace tmf::host
