// SCORE_KMEANS lowering (format 1.1): centroids [K, F] float32 constant; x's dequantization.
#include "device/runtime/kernels/score_kmeans.h"

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_score_kmeans(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 2);
  const uint32_t f = require_int8_row_input(ctx, 0);
  const Tensor& c = ctx.input(1);
  if (c.shape.size() != 2 || c.shape[1] != static_cast<int32_t>(f) || c.shape[0] < 1) {
    ctx.fail_input(1, "centroids must be [K, " + std::to_string(f) + "], have shape " + shape_of(c));
  }
  require_float_constant_input(ctx, 1, c.element_count(), "centroids");
  require_score_output(ctx);
  ScoreKMeansParams p{};
  p.x_scale = ctx.input(0).quant.scales[0];
  p.x_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  return ctx.lowered(kOpScoreKMeans, p);
}

}  // namespace tmf::host
