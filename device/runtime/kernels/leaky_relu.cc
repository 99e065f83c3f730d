// LEAKY_RELU int8 reference kernel (contract in leaky_relu.h).
#include "leaky_relu.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

Status leaky_relu_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(LeakyReluParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<LeakyReluParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.input_zero_point != in.zero_point || p.output_zero_point != out.zero_point ||
      !quantized_multiplier_is_valid(p.identity_multiplier, p.identity_shift) ||
      p.alpha_shift < -31 || p.alpha_shift > 30) {
    return Status::kErrBadParams;
  }
  return Status::kOk;
}

Status leaky_relu_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<LeakyReluParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t d = x[i] - p.input_zero_point;
    const int32_t scaled =
        d >= 0 ? multiply_by_quantized_multiplier(d, p.identity_multiplier, p.identity_shift)
               : multiply_by_quantized_multiplier(d, p.alpha_multiplier, p.alpha_shift);
    y[i] = static_cast<int8_t>(clamp_i32(wrapping_add(p.output_zero_point, scaled), -128, 127));
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelLeakyRelu = {kOpLeakyRelu, leaky_relu_prepare,
                                                    leaky_relu_eval};

}  // namespace tmf
