// SCORE_CLASS kernel (contract in score_class.h).
#include "score_class.h"

#include "../kernel.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

Status score_class_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ScoreClassParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ScoreClassParams>();
  const TensorRecord& probs = ctx.input(0);
  if (!tensor_is_int8_per_tensor(probs) || !tensor_is_plain_float(ctx.output(0))) {
    return Status::kErrTypeMismatch;
  }
  const uint32_t c = tensor_last_dim(probs);
  if (!tensor_is_row(probs, c) || !tensor_is_float_scalar(ctx.output(0))) {
    return Status::kErrShapeMismatch;
  }
  if (!params_match_quantization(probs, p.p_scale, p.p_zero_point) || p.normal_index < 0 ||
      static_cast<uint32_t>(p.normal_index) >= c) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status score_class_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ScoreClassParams>();
  const int8_t q = ctx.input_data<int8_t>(0)[p.normal_index];
  *ctx.output_data<float>(0) = 1.0f - dequantize_int8(q, p.p_scale, p.p_zero_point);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelScoreClass = {kOpScoreClass, score_class_prepare,
                                                     score_class_eval};

}  // namespace tmf
