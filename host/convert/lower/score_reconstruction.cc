// SCORE_RECONSTRUCTION lowering (format 1.1): both inputs' dequantization into the params.
#include "device/runtime/kernels/score_reconstruction.h"

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_score_reconstruction(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 2);
  require_int8_row_input(ctx, 0);
  require_int8_row_input(ctx, 1);
  if (ctx.input(0).shape != ctx.input(1).shape) {
    ctx.fail_input(1, "shape " + shape_of(ctx.input(1)) + " differs from input 0's " +
                          shape_of(ctx.input(0)));
  }
  require_score_output(ctx);
  ScoreReconstructionParams p{};
  p.x_scale = ctx.input(0).quant.scales[0];
  p.x_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  p.y_scale = ctx.input(1).quant.scales[0];
  p.y_zero_point = static_cast<int32_t>(ctx.input(1).quant.zero_points[0]);
  return ctx.lowered(kOpScoreReconstruction, p);
}

}  // namespace tmf::host
