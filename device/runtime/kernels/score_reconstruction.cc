// SCORE_RECONSTRUCTION kernel (contract in score_reconstruction.h).
#include "score_reconstruction.h"

#include "../kernel.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

Status score_reconstruction_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 2, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ScoreReconstructionParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ScoreReconstructionParams>();
  const TensorRecord& x = ctx.input(0);
  const TensorRecord& y = ctx.input(1);
  if (!tensor_is_int8_per_tensor(x) || !tensor_is_int8_per_tensor(y) ||
      !tensor_is_plain_float(ctx.output(0))) {
    return Status::kErrTypeMismatch;
  }
  const uint32_t f = tensor_last_dim(x);
  if (!tensor_is_row(x, f) || !tensor_same_shape(x, y) || !tensor_is_float_scalar(ctx.output(0))) {
    return Status::kErrShapeMismatch;
  }
  if (!params_match_quantization(x, p.x_scale, p.x_zero_point) ||
      !params_match_quantization(y, p.y_scale, p.y_zero_point)) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status score_reconstruction_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ScoreReconstructionParams>();
  const uint32_t f = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  const int8_t* y = ctx.input_data<int8_t>(1);
  float sum = 0.0f;
  for (uint32_t i = 0; i < f; ++i) {
    const float d = dequantize_int8(x[i], p.x_scale, p.x_zero_point) -
                    dequantize_int8(y[i], p.y_scale, p.y_zero_point);
    sum += d * d;
  }
  *ctx.output_data<float>(0) = sum / static_cast<float>(f);
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelScoreReconstruction = {
    kOpScoreReconstruction, score_reconstruction_prepare, score_reconstruction_eval};

}  // namespace tmf
