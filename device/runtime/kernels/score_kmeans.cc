// SCORE_KMEANS kernel (contract in score_kmeans.h).
#include "score_kmeans.h"

#include "../kernel.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

Status score_kmeans_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 2, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ScoreKMeansParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ScoreKMeansParams>();
  const TensorRecord& x = ctx.input(0);
  const TensorRecord& c = ctx.input(1);
  if (!tensor_is_int8_per_tensor(x) || !tensor_is_float_constant(c) ||
      !tensor_is_plain_float(ctx.output(0))) {
    return Status::kErrTypeMismatch;
  }
  const uint32_t f = tensor_last_dim(x);
  if (!tensor_is_row(x, f) || c.rank != 2 || static_cast<uint32_t>(c.dims[1]) != f ||
      !tensor_is_float_scalar(ctx.output(0))) {
    return Status::kErrShapeMismatch;
  }
  if (!params_match_quantization(x, p.x_scale, p.x_zero_point)) return Status::kErrBadParams;
  return Status::kOk;
}

Status score_kmeans_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ScoreKMeansParams>();
  const TensorRecord& c = ctx.input(1);
  const uint32_t k_count = static_cast<uint32_t>(c.dims[0]);
  const uint32_t f = static_cast<uint32_t>(c.dims[1]);
  const int8_t* x = ctx.input_data<int8_t>(0);
  const float* centroid = ctx.input_data<float>(1);
  float best = __builtin_inff();
  for (uint32_t k = 0; k < k_count; ++k, centroid += f) {
    float dist = 0.0f;
    for (uint32_t i = 0; i < f; ++i) {
      const float d = dequantize_int8(x[i], p.x_scale, p.x_zero_point) - centroid[i];
      dist += d * d;
    }
    if (dist < best) best = dist;
  }
  *ctx.output_data<float>(0) = best;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelScoreKMeans = {kOpScoreKMeans, score_kmeans_prepare,
                                                      score_kmeans_eval};

}  // namespace tmf
