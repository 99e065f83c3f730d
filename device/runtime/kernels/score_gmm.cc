// SCORE_GMM kernel (contract in score_gmm.h).
#include "score_gmm.h"

#include "../kernel.h"
#include "device/dsp/det_math.h"
#include "pipeline_checks.h"

namespace tmf {
namespace {

bool is_k_by_f(const TensorRecord& t, uint32_t k, uint32_t f) {
  return t.rank == 2 && static_cast<uint32_t>(t.dims[0]) == k && static_cast<uint32_t>(t.dims[1]) == f;
}

Status score_gmm_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 4, 4, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ScoreGmmParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ScoreGmmParams>();
  const TensorRecord& x = ctx.input(0);
  const TensorRecord& means = ctx.input(1);
  if (!tensor_is_int8_per_tensor(x) || !tensor_is_float_constant(means) ||
      !tensor_is_float_constant(ctx.input(2)) || !tensor_is_float_constant(ctx.input(3)) ||
      !tensor_is_plain_float(ctx.output(0))) {
    return Status::kErrTypeMismatch;
  }
  const uint32_t f = tensor_last_dim(x);
  const uint32_t k = means.rank == 2 ? static_cast<uint32_t>(means.dims[0]) : 0u;
  if (!tensor_is_row(x, f) || !is_k_by_f(means, k, f) || !is_k_by_f(ctx.input(2), k, f) ||
      tensor_element_count(ctx.input(3)) != k || !tensor_is_float_scalar(ctx.output(0))) {
    return Status::kErrShapeMismatch;
  }
  if (!params_match_quantization(x, p.x_scale, p.x_zero_point)) return Status::kErrBadParams;
  return Status::kOk;
}

// a_k = log_norm_k - 0.5 * sum_f inv_var_kf * (x_f - mean_kf)^2.
float gmm_log_term(const int8_t* x, const float* mean, const float* inv_var, float log_norm,
                   uint32_t f, const ScoreGmmParams& p) {
  float q = 0.0f;
  for (uint32_t i = 0; i < f; ++i) {
    const float d = dequantize_int8(x[i], p.x_scale, p.x_zero_point) - mean[i];
    q += (d * d) * inv_var[i];
  }
  return log_norm - 0.5f * q;
}

// Two passes over the components (the terms are recomputed, not stored: no scratch).
Status score_gmm_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ScoreGmmParams>();
  const TensorRecord& means = ctx.input(1);
  const uint32_t k_count = static_cast<uint32_t>(means.dims[0]);
  const uint32_t f = static_cast<uint32_t>(means.dims[1]);
  const int8_t* x = ctx.input_data<int8_t>(0);
  const float* mean = ctx.input_data<float>(1);
  const float* inv_var = ctx.input_data<float>(2);
  const float* log_norm = ctx.input_data<float>(3);
  const float minus_inf = -__builtin_inff();
  float m = minus_inf;
  for (uint32_t k = 0; k < k_count; ++k) {
    const float a = gmm_log_term(x, mean + k * f, inv_var + k * f, log_norm[k], f, p);
    if (a > m) m = a;
  }
  float score = __builtin_inff();  // every term -inf: p(x) = 0
  if (!(m == minus_inf)) {
    float sum = 0.0f;
    for (uint32_t k = 0; k < k_count; ++k) {
      sum += dsp::det_expf(gmm_log_term(x, mean + k * f, inv_var + k * f, log_norm[k], f, p) - m);
    }
    score = -(m + dsp::det_logf(sum));
  }
  *ctx.output_data<float>(0) = score;
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelScoreGmm = {kOpScoreGmm, score_gmm_prepare, score_gmm_eval};

}  // namespace tmf
