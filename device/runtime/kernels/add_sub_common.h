// What ADD and SUB share (their params are one layout, sub.h): the checks (operand counts and
// types, broadcastable shapes, the tensors' own offsets, multipliers below one, the activation
// range) and the rescaling of both inputs to the common scale. Inline so each kernel's object
// carries its own copy: a model without SUB never links sub.o.
#pragma once

#include "../kernel.h"
#include "../quant_math.h"
#include "add.h"
#include "broadcast.h"

namespace tmf {

inline bool add_sub_multiplier_is_valid(int32_t multiplier, int32_t shift) {
  return quantized_multiplier_is_valid(multiplier, shift) && shift <= 0;
}

inline Status add_sub_prepare(const OpContext& ctx) {
  Status s = check_operand_counts(ctx, 2, 2, 1);
  if (s != Status::kOk) return s;
  if (ctx.op->params_bytes != sizeof(AddParams)) return Status::kErrBadParams;
  const auto& p = ctx.params<AddParams>();
  const TensorRecord& in1 = ctx.input(0);
  const TensorRecord& in2 = ctx.input(1);
  const TensorRecord& out = ctx.output(0);
  if (!tensor_is_int8_per_tensor(in1) || !tensor_is_int8_per_tensor(in2) ||
      !tensor_is_int8_per_tensor(out)) {
    return Status::kErrTypeMismatch;
  }
  Broadcast4D plan;
  if (!broadcast_plan(in1, in2, out, &plan)) return Status::kErrShapeMismatch;
  // The offsets must be the tensors' own: with them |x + offset| <= 255, so the shifted values
  // and their sum or difference stay far inside int32 (2 * 255 * 2^20 < 2^29).
  if (p.input1_offset != -in1.zero_point || p.input2_offset != -in2.zero_point ||
      p.output_offset != out.zero_point || p.left_shift != kAddLeftShift) {
    return Status::kErrBadParams;
  }
  if (!add_sub_multiplier_is_valid(p.input1_multiplier, p.input1_shift) ||
      !add_sub_multiplier_is_valid(p.input2_multiplier, p.input2_shift) ||
      !add_sub_multiplier_is_valid(p.output_multiplier, p.output_shift)) {
    return Status::kErrBadParams;
  }
  return check_activation_range(p.act_min, p.act_max, out.type);
}

// Both inputs shifted left and rescaled to the common scale (TFLM's reference arithmetic); ADD
// and SUB then add or subtract them and rescale to the output.
inline void add_sub_scale_inputs(int8_t x1, int8_t x2, const AddParams& p, int32_t* scaled1, int32_t* scaled2) {
  const int32_t shifted1 = (x1 + p.input1_offset) * (1 << p.left_shift);
  const int32_t shifted2 = (x2 + p.input2_offset) * (1 << p.left_shift);
  *scaled1 = multiply_by_quantized_multiplier(shifted1, p.input1_multiplier, p.input1_shift);
  *scaled2 = multiply_by_quantized_multiplier(shifted2, p.input2_multiplier, p.input2_shift);
}

}  // namespace tmf
