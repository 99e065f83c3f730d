// MUL int8 reference kernel (contract in mul.h).
#include "mul.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "broadcast.h"

namespace tmf {
namespace {

Status mul_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 2, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(MulParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<MulParams>();
  const TensorRecord& in1 = ctx.input(0);
  const TensorRecord& in2 = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in1) || !tensor_is_int8_per_tensor(in2) ||
      !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  Broadcast4D plan;
  if (!broadcast_plan(in1, in2, out, &plan)) return Status::kErrShapeMismatch;
  // The tensors' own offsets bound the product by 255 * 255.
  if (p.input1_offset != -in1.zero_point || p.input2_offset != -in2.zero_point ||
      p.output_offset != out.zero_point ||
      !quantized_multiplier_is_valid(p.output_multiplier, p.output_shift)) {
    return Status::kErrBadParams;
  }
  return check_activation_range(p.act_min, p.act_max, out.type);
}

int8_t mul_element(int8_t x1, int8_t x2, const MulParams& p) {
  const int32_t product = (x1 + p.input1_offset) * (x2 + p.input2_offset);
  const int32_t scaled =
      wrapping_add(multiply_by_quantized_multiplier(product, p.output_multiplier, p.output_shift),
                   p.output_offset);
  return static_cast<int8_t>(clamp_i32(scaled, p.act_min, p.act_max));
}

Status mul_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<MulParams>();
  const int8_t* in1 = ctx.input_data<int8_t>(0);
  const int8_t* in2 = ctx.input_data<int8_t>(1);
  int8_t* out = ctx.output_data<int8_t>(0);
  Broadcast4D plan;
  broadcast_plan(ctx.input(0), ctx.input(1), ctx.output(0), &plan);
  broadcast_for_each(plan, [&](uint32_t i1, uint32_t i2, uint32_t o) {
    out[o] = mul_element(in1[i1], in2[i2], p);
  });
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelMul = {kOpMul, mul_prepare, mul_eval};

}  // namespace tmf
