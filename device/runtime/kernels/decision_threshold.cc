// DECISION_THRESHOLD kernel (contract in decision_threshold.h).
#include "decision_threshold.h"

#include "../kernel.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

bool is_decision_output(const TensorRecord& t) {
  if (t.type != kTensorTypeInt8) return false;
  if (t.quant == kTensorQuantNone) return true;
  return t.quant == kTensorQuantPerTensor && t.scale == 1.0f && t.zero_point == 0;
}

Status decision_threshold_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(DecisionThresholdParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<DecisionThresholdParams>();
  const TensorRecord& score = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_plain_float(score)) return Status::kErrTypeMismatch;
  if (!is_decision_output(out)) {
    return out.type == kTensorTypeInt8 ? Status::kErrBadQuantization : Status::kErrTypeMismatch;
  }
  if (tensor_element_count(score) != 1 || tensor_element_count(out) != 1) {
    return Status::kErrShapeMismatch;
  }
  if (!(p.threshold - p.threshold == 0.0f)) return Status::kErrBadParams;  // inf or NaN
  return Status::kOk;
}

Status decision_threshold_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<DecisionThresholdParams>();
  *ctx.output_data<int8_t>(0) = ctx.input_data<float>(0)[0] > p.threshold ? 1 : 0;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelDecisionThreshold = {
    kOpDecisionThreshold, decision_threshold_prepare, decision_threshold_eval};

}  // namespace tmf
