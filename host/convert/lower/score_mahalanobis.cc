// SCORE_MAHALANOBIS lowering (format 1.1): mean [F] and whitening [F, F] float32 constants.
#include "device/runtime/kernels/score_mahalanobis.h"

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_score_mahalanobis(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 3);
  const uint32_t f = require_int8_row_input(ctx, 0);
  require_float_constant_input(ctx, 1, f, "mean [F]");
  const Tensor& w = ctx.input(2);
  const int32_t fi = static_cast<int32_t>(f);
  if (w.shape.size() != 2 || w.shape[0] != fi || w.shape[1] != fi) {
    ctx.fail_input(2, "whitening must be [" + std::to_string(f) + ", " + std::to_string(f) +
                          "], has shape " + shape_of(w));
  }
  require_float_constant_input(ctx, 2, w.element_count(), "whitening");
  require_score_output(ctx);
  ScoreMahalanobisParams p{};
  p.x_scale = ctx.input(0).quant.scales[0];
  p.x_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  return ctx.lowered(kOpScoreMahalanobis, p);
}

}  // namespace tmf::host
