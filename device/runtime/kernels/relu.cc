// RELU int8 reference kernel (contract in relu.h).
#include "relu.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

Status relu_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(ReluParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<ReluParams>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.input_zero_point != in.zero_point || p.output_zero_point != out.zero_point ||
      !quantized_multiplier_is_valid(p.output_multiplier, p.output_shift)) {
    return Status::kErrBadParams;
  }
  return check_activation_range(p.act_min, p.act_max, out.type);
}

Status relu_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<ReluParams>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  const SplitMultiplier m = split_multiplier(p.output_multiplier, p.output_shift);
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t q = wrapping_add(multiply_by_split_multiplier(x[i] - p.input_zero_point, m),
                                   p.output_zero_point);
    y[i] = static_cast<int8_t>(clamp_i32(q, p.act_min, p.act_max));
  }
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelRelu = {kOpRelu, relu_prepare, relu_eval};

}  // namespace tmf
