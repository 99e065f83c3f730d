// SCORE_GMM lowering (format 1.1): means and inv_var [K, F], log_norm [K], float32 constants.
#include "device/runtime/kernels/score_gmm.h"

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_score_gmm(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 4);
  const uint32_t f = require_int8_row_input(ctx, 0);
  const Tensor& means = ctx.input(1);
  if (means.shape.size() != 2 || means.shape[1] != static_cast<int32_t>(f) || means.shape[0] < 1) {
    ctx.fail_input(1, "means must be [K, " + std::to_string(f) + "], have shape " + shape_of(means));
  }
  const int32_t k = means.shape[0];
  require_float_constant_input(ctx, 1, means.element_count(), "means");
  if (ctx.input(2).shape != means.shape) {
    ctx.fail_input(2, "inv_var must have the means' shape " + shape_of(means) + ", has " +
                          shape_of(ctx.input(2)));
  }
  require_float_constant_input(ctx, 2, means.element_count(), "inv_var");
  require_float_constant_input(ctx, 3, k, "log_norm [K]");
  require_score_output(ctx);
  ScoreGmmParams p{};
  p.x_scale = ctx.input(0).quant.scales[0];
  p.x_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  return ctx.lowered(kOpScoreGmm, p);
}

}  // namespace tmf::host
