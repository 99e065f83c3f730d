// RELU6 int8 reference kernel (contract in relu6.h).
#include "relu6.h"

#include "../kernel.h"
#include "../quant_math.h"

namespace tmf {
namespace {

Status relu6_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 1, 1, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(Relu6Params)) return Status::kErrBadParams;
  const auto& p = ctx.params<Relu6Params>();
  const TensorRecord& in = ctx.input(0);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in) || !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  if (!tensor_same_shape(in, out)) return Status::kErrShapeMismatch;
  if (p.lower != in.zero_point) return Status::kErrBadParams;
  return check_activation_range(p.lower, p.upper, in.type);
}

Status relu6_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<Relu6Params>();
  const uint32_t n = tensor_element_count(ctx.input(0));
  const int8_t* x = ctx.input_data<int8_t>(0);
  int8_t* y = ctx.output_data<int8_t>(0);
  for (uint32_t i = 0; i < n; ++i) y[i] = static_cast<int8_t>(clamp_i32(x[i], p.lower, p.upper));
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelRelu6 = {kOpRelu6, relu6_prepare, relu6_eval};

}  // namespace tmf
