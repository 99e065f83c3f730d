// DECISION_THRESHOLD lowering (format 1.1): a finite threshold; output int8 reading 0 / 1.
#include "device/runtime/kernels/decision_threshold.h"

#include <cmath>

#include "host/convert/lower.h"
#include "host/convert/lower/pipeline_checks.h"

namespace tmf::host {

LoweredOp lower_decision_threshold(LoweringContext& ctx) {
  require_pipeline_operands(ctx, 1);
  const Tensor& score = ctx.input(0);
  if (score.type != kTensorTypeFloat32 || !score.quant.scales.empty() || score.element_count() != 1) {
    ctx.fail_input(0, "the score must be one float32 value without quantization");
  }
  const Tensor& out = ctx.output(0);
  const bool unit = out.quant.scales.empty() ||
                    (out.quant.per_tensor() && out.quant.scales[0] == 1.0f && out.quant.zero_points[0] == 0);
  if (out.type != kTensorTypeInt8 || !unit || out.element_count() != 1) {
    ctx.fail_output(0, "the decision must be one int8 value, unquantized or with scale 1 and zero point 0");
  }
  const float threshold = ctx.op().options.pipeline.threshold;
  if (!std::isfinite(threshold)) ctx.fail("threshold " + std::to_string(threshold) + " is not finite");
  DecisionThresholdParams p{};
  p.threshold = threshold;
  return ctx.lowered(kOpDecisionThreshold, p);
}

}  // namespace tmf::host
