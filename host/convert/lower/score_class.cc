// SCORE_CLASS lowering (format 1.1): the probabilities' dequantization and the normal class.
#include "device/runtime/kernels/score_class.h"

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_score_class(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 1);
  const uint32_t classes = require_int8_row_input(ctx, 0);
  const int32_t normal = ctx.op().options.pipeline.normal_index;
  if (normal < 0 || static_cast<uint32_t>(normal) >= classes) {
    ctx.fail("normal class index " + std::to_string(normal) + " is outside [0, " +
             std::to_string(classes) + ")");
  }
  require_score_output(ctx);
  ScoreClassParams p{};
  p.p_scale = ctx.input(0).quant.scales[0];
  p.p_zero_point = static_cast<int32_t>(ctx.input(0).quant.zero_points[0]);
  p.normal_index = normal;
  return ctx.lowered(kOpScoreClass, p);
}

}  // namespace tmf::host
