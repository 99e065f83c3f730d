// SCORE_MAHALANOBIS kernel (contract in score_mahalanobis.h). d is recomputed per row rather than
// stored: F extra subtractions per row, and no scratch.
#include "score_mahalanobis.h"

#include "../kernel.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

Status score_mahalanobis_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 3, 3, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ScoreMahalanobisParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ScoreMahalanobisParams>();
  const TensorRecord& x = ctx.input(0);
  const TensorRecord& w = ctx.input(2);
  if (!tensor_is_int8_per_tensor(x) || !tensor_is_float_constant(ctx.input(1)) ||
      !tensor_is_float_constant(w) || !tensor_is_plain_float(ctx.output(0))) {
    return Status::kErrTypeMismatch;
  }
  const uint32_t f = tensor_last_dim(x);
  if (!tensor_is_row(x, f) || tensor_element_count(ctx.input(1)) != f || w.rank != 2 ||
      static_cast<uint32_t>(w.dims[0]) != f || static_cast<uint32_t>(w.dims[1]) != f ||
      !tensor_is_float_scalar(ctx.output(0))) {
    return Status::kErrShapeMismatch;
  }
  if (!params_match_quantization(x, p.x_scale, p.x_zero_point)) return Status::kErrBadParams;
  return Status::kOk;
}

Status score_mahalanobis_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ScoreMahalanobisParams>();
  const uint32_t f = tensor_element_count(ctx.input(1));
  const int8_t* x = ctx.input_data<int8_t>(0);
  const float* mean = ctx.input_data<float>(1);
  const float* w = ctx.input_data<float>(2);
  float score = 0.0f;
  for (uint32_t i = 0; i < f; ++i, w += f) {
    float row = 0.0f;
    for (uint32_t j = 0; j < f; ++j) {
      row += w[j] * (dequantize_int8(x[j], p.x_scale, p.x_zero_point) - mean[j]);
    }
    score += row * row;
  }
  *ctx.output_data<float>(0) = score;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelScoreMahalanobis = {
    kOpScoreMahalanobis, score_mahalanobis_prepare, score_mahalanobis_eval};

}  // namespace tmf
