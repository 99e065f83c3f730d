// SUB int8 reference kernel (contract in sub.h).
#include "sub.h"

#include "../kernel.h"
#include "../quant_math.h"
#include "broadcast.h"

namespace tmf {
namespace {

bool smaller_than_one_multiplier_is_valid(int32_t multiplier, int32_t shift) {
  return quantized_multiplier_is_valid(multiplier, shift) && shift <= 0;
}

Status sub_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 2, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(SubParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<SubParams>();
  const TensorRecord& in1 = ctx.input(0);
  const TensorRecord& in2 = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in1) || !tensor_is_int8_per_tensor(in2) ||
      !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  Broadcast4D plan;
  if (!broadcast_plan(in1, in2, out, &plan)) return Status::kErrShapeMismatch;
  // With the tensors' own offsets |x + offset| <= 255, so the shifted values and their
  // difference stay inside int32 (2 * 255 * 2^20 < 2^29).
  if (p.input1_offset != -in1.zero_point || p.input2_offset != -in2.zero_point ||
      p.output_offset != out.zero_point || p.left_shift != kAddLeftShift) {
    return Status::kErrBadParams;
  }
  if (!smaller_than_one_multiplier_is_valid(p.input1_multiplier, p.input1_shift) ||
      !smaller_than_one_multiplier_is_valid(p.input2_multiplier, p.input2_shift) ||
      !smaller_than_one_multiplier_is_valid(p.output_multiplier, p.output_shift)) {
    return Status::kErrBadParams;
  }
  return check_activation_range(p.act_min, p.act_max, out.type);
}

int8_t sub_element(int8_t x1, int8_t x2, const SubParams& p) {
  const int32_t shifted1 = (x1 + p.input1_offset) * (1 << p.left_shift);
  const int32_t shifted2 = (x2 + p.input2_offset) * (1 << p.left_shift);
  const int32_t scaled1 =
      multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
  const int32_t scaled2 =
      multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
  const int32_t difference =
      multiply_by_quantized_multiplier(scaled1 - scaled2, p.output_multiplier, p.output_shift) +
      p.output_offset;
  return static_cast<int8_t>(clamp_i32(difference, p.act_min, p.act_max));
}

Status sub_eval(const EvalContext& ctx) {
  const auto& p = ctx.params<SubParams>();
  const int8_t* in1 = ctx.input_data<int8_t>(0);
  const int8_t* in2 = ctx.input_data<int8_t>(1);
  int8_t* out = ctx.output_data<int8_t>(0);
  Broadcast4D plan;
  broadcast_plan(ctx.input(0), ctx.input(1), ctx.output(0), &plan);
  broadcast_for_each(plan, [&](uint32_t i1, uint32_t i2, uint32_t o) {
    out[o] = sub_element(in1[i1], in2[i2], p);
  });
  return Status::kOk;
}

}  // namespace

extern const KernelRegistration kKernelSub = {kOpSub, sub_prepare, sub_eval};

}  // namespace tmf
